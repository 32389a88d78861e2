//! Each role's migrations: every down undoes its up, on both databases; both databases get the same tables and
//! columns; and each role's database holds only that role's tables.

use diesel::backend::Backend as DieselBackend;
use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use sharegate_core::store::postgres::PgConnection;
use sharegate_core::store::{DatabaseUrl, Migrations};

use crate::databases::{Backend, TestDatabase};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

const SQLITE_SCHEMA: &str = "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS line FROM sqlite_master \
     WHERE tbl_name <> '__diesel_schema_migrations' ORDER BY line";
const SQLITE_COLUMNS: &str = "SELECT m.name || '.' || p.name AS line FROM sqlite_master m \
     JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name <> '__diesel_schema_migrations' ORDER BY line";
const POSTGRES_SCHEMA: &str = "SELECT line FROM ( \
     SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
     UNION ALL SELECT indexname || ' ' || indexdef FROM pg_indexes \
       WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations' \
     UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace \
     UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal \
     UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
       WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '__diesel_schema_migrations') s \
     ORDER BY line";
const POSTGRES_COLUMNS: &str = "SELECT table_name || '.' || column_name AS line FROM information_schema.columns \
     WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY line";

fn lines<C: Connection>(conn: &mut C, query: &str) -> Vec<String>
where
    Line: QueryableByName<C::Backend>,
    C::Backend: DieselBackend,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Line>,
{
    diesel::sql_query(query).load::<Line>(conn).expect("schema query").into_iter().map(|l| l.line).collect()
}

/// Runs each migration up then down, checks the schema is back where it was, then up again to go on.
fn down_undoes_up<C>(conn: &mut C, source: fn() -> EmbeddedMigrations, schema: &str)
where
    C: Connection + MigrationHarness<C::Backend>,
    EmbeddedMigrations: MigrationSource<C::Backend>,
    Line: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Line>,
{
    let total = MigrationSource::<C::Backend>::migrations(&source()).expect("migrations").len();
    assert!(total > 0);
    for step in 0..total {
        let before = lines(conn, schema);
        let applied = conn.run_next_migration(source()).expect("up").to_string();
        let after_up = lines(conn, schema);
        assert_ne!(before, after_up, "migration {applied} changed nothing");
        conn.revert_last_migration(source()).expect("down");
        assert_eq!(lines(conn, schema), before, "migration {applied}'s down does not undo its up (step {step})");
        conn.run_next_migration(source()).expect("up again");
    }
    assert!(!conn.has_pending_migration(source()).expect("pending"));
    conn.revert_all_migrations(source()).expect("down all");
    assert_eq!(lines(conn, schema), Vec::<String>::new(), "reverting everything leaves tables behind");
}

const ROLES: [(&str, &Migrations); 2] =
    [("gateway", &sharegate_gateway::store::MIGRATIONS), ("node", &sharegate_node::store::MIGRATIONS)];

#[test]
fn sqlite_migrations_are_reversible() {
    for (_role, set) in ROLES {
        let database = TestDatabase::create(Backend::Sqlite).expect("sqlite");
        let DatabaseUrl::Sqlite(path) = database.url() else { unreachable!() };
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
        down_undoes_up(&mut conn, set.sqlite, SQLITE_SCHEMA);
    }
}

#[test]
#[cfg_attr(not(postgres_tests), ignore = "SHAREGATE_TEST_DATABASE_URL is not set (bash .ci/run sets it)")]
fn postgres_migrations_are_reversible_and_match_sqlite() {
    for (role, set) in ROLES {
        let database = TestDatabase::create(Backend::Postgres).expect("SHAREGATE_TEST_DATABASE_URL names a server");
        let mut pg = PgConnection::establish(&String::from(database.url().clone())).expect("connect");
        down_undoes_up(&mut pg, set.postgres, POSTGRES_SCHEMA);

        pg.run_pending_migrations((set.postgres)()).expect("up");
        let sqlite_db = TestDatabase::create(Backend::Sqlite).expect("sqlite");
        let DatabaseUrl::Sqlite(path) = sqlite_db.url() else { unreachable!() };
        let mut sqlite = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
        sqlite.run_pending_migrations((set.sqlite)()).expect("up");
        let columns = lines(&mut pg, POSTGRES_COLUMNS);
        assert_eq!(columns, lines(&mut sqlite, SQLITE_COLUMNS), "{role}: the backends' tables differ");
    }
}

/// A node's database has no log, register or meeting tables, and the gateway's no records.
#[test]
fn each_role_migrates_only_its_own_tables() {
    let tables = |set: &Migrations| {
        let database = TestDatabase::create(Backend::Sqlite).expect("sqlite");
        let DatabaseUrl::Sqlite(path) = database.url() else { unreachable!() };
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
        conn.run_pending_migrations((set.sqlite)()).expect("up");
        lines(&mut conn, "SELECT name AS line FROM sqlite_master WHERE type = 'table' ORDER BY name")
    };
    let (gateway, node) = (tables(&sharegate_gateway::store::MIGRATIONS), tables(&sharegate_node::store::MIGRATIONS));
    for table in ["records", "record_tombstones", "access_register", "node_children"] {
        assert!(node.iter().any(|t| t == table) && !gateway.iter().any(|t| t == table), "{table}: {gateway:?}");
    }
    for table in ["log_entries", "log_head", "consents", "meeting_events", "subjects"] {
        assert!(gateway.iter().any(|t| t == table) && !node.iter().any(|t| t == table), "{table}: {node:?}");
    }
}
