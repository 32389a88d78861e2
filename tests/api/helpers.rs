//! Spawning real servers and talking to them over mutual TLS.

use std::path::{Path, PathBuf};

use serde_json::Value;
use std::sync::OnceLock;

use sharegate_core::certs::Layout;
use sharegate_core::domain::AgencyName;
use sharegate_core::settings as config;
use sharegate_core::tls::TlsFiles;
use sharegate_gateway::config::GatewayConfig;
use sharegate_node::config::NodeConfig;

use crate::databases::{Backend, TestDatabase};

/// One example federation per test binary, made by the same code as `sharegate certs init`.
pub struct TestFederation {
    _dir: tempfile::TempDir,
    pub layout: Layout,
}

pub fn federation() -> &'static TestFederation {
    static FEDERATION: OnceLock<TestFederation> = OnceLock::new();
    FEDERATION.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let agencies: Vec<AgencyName> = config::default_agencies().map(|(a, _)| a).collect();
        let layout = sharegate_core::certs::init(dir.path(), &agencies, false).expect("certs init");
        TestFederation { _dir: dir, layout }
    })
}

/// A gateway configuration on the test federation and `database`, listening on a free port.
pub fn gateway_config(database: &TestDatabase) -> GatewayConfig {
    let layout = &federation().layout;
    let mut config = GatewayConfig::on_certs(layout);
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.database_url = database.url().clone();
    config
}

pub struct TestGateway {
    pub port: u16,
    pub database: TestDatabase,
}

/// A gateway on a fresh SQLite store.
pub async fn spawn_gateway() -> TestGateway {
    spawn_gateway_with(Backend::Sqlite, |_| {}).await
}

/// A gateway on a fresh store of `backend`, its configuration adjusted by `adjust`.
pub async fn spawn_gateway_with(backend: Backend, adjust: impl FnOnce(&mut GatewayConfig)) -> TestGateway {
    let database = TestDatabase::create(backend).expect("the backend is configured");
    let mut config = gateway_config(&database);
    adjust(&mut config);
    let gateway = sharegate_gateway::startup::gateway(&config).await.expect("gateway starts");
    let port = gateway.port();
    tokio::spawn(gateway.run());
    TestGateway { port, database }
}

impl TestGateway {
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// A client presenting `people/<who>.crt`, e.g. `police-investigator`.
    pub fn client_as(&self, who: &str) -> reqwest::Client {
        person(who)
    }

    /// A client presenting `test/<name>.crt`: `expired`, `revoked`, `foreign`, `no-agency`.
    pub fn client_with_test_cert(&self, name: &str) -> reqwest::Client {
        let (cert, key) = federation().layout.test(name);
        client_with(&cert, &key)
    }
}

pub struct TestNode {
    pub port: u16,
    pub database: TestDatabase,
    pub config: NodeConfig,
}

/// A node for `agency` on a fresh store of `backend`, its configuration adjusted by `adjust`.
pub async fn spawn_node_with(backend: Backend, agency: &str, adjust: impl FnOnce(&mut NodeConfig)) -> TestNode {
    let database = TestDatabase::create(backend).expect("the backend is configured");
    let layout = &federation().layout;
    let agency = AgencyName::parse(agency).expect("agency");
    let mut config = NodeConfig::embedded(&agency).expect("a shipped agency");
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.tls = layout.node(&agency);
    config.signing_key = layout.node_signing_key(&agency);
    config.database_url = database.url().clone();
    adjust(&mut config);
    let node = sharegate_node::start(&config).expect("node starts");
    let port = node.port();
    tokio::spawn(node.run());
    TestNode { port, database, config }
}

impl TestNode {
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }
}

/// A client presenting `people/<who>.crt`, e.g. `police-investigator`.
pub fn person(who: &str) -> reqwest::Client {
    let (agency, role) = who.split_once('-').expect("who is <agency>-<role>");
    let (cert, key) = federation().layout.person(agency, role);
    client_with(&cert, &key)
}

/// The gateway's own client certificate, as it reaches nodes.
pub fn gateway_client() -> reqwest::Client {
    let files = federation().layout.gateway_client();
    client_with(&files.cert, &files.key)
}

/// A client presenting the given certificate and trusting the federation CA.
pub fn client_with(cert: &Path, key: &Path) -> reqwest::Client {
    let layout = &federation().layout;
    let files = TlsFiles { ca: layout.ca_cert(), crl: layout.crl(), cert: cert.to_owned(), key: key.to_owned() };
    let revocations =
        sharegate_core::tls::Revocations::load(&files, sharegate_core::tls::revocation::Side::Servers).expect("CRL");
    let tls = sharegate_core::tls::client_config(&files, &revocations).expect("client TLS config");
    reqwest::Client::builder().use_preconfigured_tls(tls).build().expect("client")
}

/// A client that trusts the federation CA but presents no certificate.
pub fn client_without_certificate() -> reqwest::Client {
    let ca = std::fs::read(federation().layout.ca_cert()).expect("ca");
    let ca = reqwest::Certificate::from_pem(&ca).expect("ca pem");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client")
}

/// Sends a request and returns its status and JSON body (`Null` when the body is not JSON).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the request reaches the server");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

pub fn sharegate_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sharegate"))
}

/// The value of one series on `/metrics` at `base` (e.g. `sharegate_log_entries_total{kind="request",outcome="refused"}`),
/// or `None` when the server does not export it.
pub async fn metric(base: &str, series: &str) -> Option<f64> {
    let text = person("police-dpo").get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()?;
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// A child process killed (and reaped) when dropped, so that a failing test leaves nothing running.
pub struct KillOnDrop {
    pub child: std::process::Child,
    _watchdog: Watchdog,
}

impl KillOnDrop {
    /// Holds `child`, killed when this is dropped or when it runs past [`CHILD_LIMIT`].
    pub fn new(child: std::process::Child) -> Self {
        let watchdog = Watchdog::new(child.id(), CHILD_LIMIT);
        Self { child, _watchdog: watchdog }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example federation's front-line practitioner of `agency`, as `people/<agency>-<role>` names them.
pub fn practitioner(agency: &str) -> &'static str {
    match agency {
        "police" => "police-investigator",
        "health" => "health-health_visitor",
        "education" => "education-dsl",
        "social_care" => "social_care-social_worker",
        other => panic!("no practitioner for {other}"),
    }
}

/// Through the gateway at `base`: social care registers a child with NHS number `nhs`, and each agency of `refs`
/// links its own reference, as only that agency may. Returns the child's id.
pub async fn register_child(base: &str, nhs: &str, refs: &[(&str, &str)]) -> String {
    let child = serde_json::json!({"nhs_number": nhs, "name": "Lily Example", "date_of_birth": "2015-03-02"});
    let (status, created) =
        send(person("social_care-social_worker").post(format!("{base}/v1/subjects")).json(&child)).await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().expect("an id").to_owned();
    for (agency, local_ref) in refs {
        let url = format!("{base}/v1/subjects/{subject}/local-refs/{agency}");
        let (status, linked) =
            send(person(practitioner(agency)).put(url).json(&serde_json::json!({"local_ref": local_ref}))).await;
        assert_eq!(status, 200, "{agency} links {local_ref}: {linked}");
    }
    subject
}

/// Through the gateway at `base` (`https://localhost:PORT`): a child the school knows as `E-1`, whose parent consented
/// to social care seeing their attendance for safeguarding. Returns the child's id and social care's request for it.
pub async fn child_with_consented_attendance(base: &str) -> (String, Value) {
    let subject = register_child(base, &crate::subjects::fresh_nhs_number(), &[("education", "E-1")]).await;
    let consent = serde_json::json!({"given_by": {"name": "Sarah Example", "relationship": "parent"},
        "categories": ["education.attendance"], "recipients": ["social_care"], "purposes": ["safeguarding"]});
    // Recorded by the school, whose records it covers: no confirmation, and nothing waits for its DPO on that count.
    let school = person("education-dsl");
    let (status, given) = send(school.post(format!("{base}/v1/subjects/{subject}/consents")).json(&consent)).await;
    assert_eq!(status, 201, "{given}");
    let ask = serde_json::json!({"subject": subject, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by the school about neglect."});
    (subject, ask)
}

/// The longest any child process of the suite may run: one that hangs is killed, and its test fails, instead of
/// hanging the suite.
pub const CHILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

/// Kills process `pid` if it still runs when `limit` has passed; dropping the watchdog calls it off.
pub struct Watchdog {
    cancel: Option<std::sync::mpsc::Sender<()>>,
}

impl Watchdog {
    pub fn new(pid: u32, limit: std::time::Duration) -> Self {
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                eprintln!("child process {pid} ran past {limit:?}: killed");
                let _ = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
        });
        Self { cancel: Some(cancel) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(cancel) = self.cancel.take() {
            let _ = cancel.send(());
        }
    }
}

/// `Command::output`, with the child killed past [`CHILD_LIMIT`].
pub trait BoundedOutput {
    fn bounded_output(&mut self) -> std::io::Result<std::process::Output>;
}

impl BoundedOutput for std::process::Command {
    fn bounded_output(&mut self) -> std::io::Result<std::process::Output> {
        let child = self
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let _watchdog = Watchdog::new(child.id(), CHILD_LIMIT);
        child.wait_with_output()
    }
}

/// The log entry `id` as the gateway's index holds it, read straight from its store. The index is built behind the
/// log's writer, within moments of the answer when the machine is not loaded; this waits up to 30 s for it.
pub fn indexed(gateway: &TestGateway, id: &str) -> sharegate_gateway::store::log::LogRow {
    let store = sharegate_gateway::store::open(gateway.database.url(), &sharegate_core::store::StoreOptions::default())
        .expect("store");
    let started = std::time::Instant::now();
    loop {
        match store.run_now(|conn| sharegate_gateway::store::log::find(conn, id)).expect("read") {
            Some(row) => return row,
            None if started.elapsed() < std::time::Duration::from_secs(30) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            None => panic!("{id} is not in the log's index 30 s after its answer"),
        }
    }
}
