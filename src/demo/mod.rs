//! `sharegate demo`: the whole system on one machine — four agency nodes and the gateway on loopback, each with its
//! own SQLite store under `./data/`, example certificates from `certs-example/` (made if missing), and a small
//! fictional case loaded through the public API. It prints a ready curl line per role and runs until SIGINT or
//! SIGTERM. Started again on the same data it carries on.
//!
//! `--smoke` plays a scripted story against a fresh copy (free ports, a temporary data folder) and exits 0 only if
//! every step gives the expected outcome.

mod case;
mod client;
mod smoke;

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use actix_web::dev::ServerHandle;

use self::client::DemoClient;
use sharegate_core::certs::Layout;
use sharegate_core::domain::{SubjectId, SubjectKey};
use sharegate_core::serve::{Listening, RequestLimits};
use sharegate_core::settings::{self as config, DATA_DIR, EXAMPLE_CERTS};
use sharegate_gateway::config::GatewayConfig;
use sharegate_gateway::store::{DatabaseUrl, StoreOptions, subjects};
use sharegate_node::config::NodeConfig;

/// Where the demo keeps its stores and which ports it listens on (none: any free ports).
struct Placement {
    data: PathBuf,
    ports_from: Option<u16>,
    /// The gateway's store, if not a file in `data`.
    gateway_database: Option<DatabaseUrl>,
    request_limits: RequestLimits,
}

/// Runs the demo with the gateway on `ports_from` and the nodes on the next four ports.
pub fn run(
    smoke: bool,
    ports_from: u16,
    gateway_database: Option<DatabaseUrl>,
    request_limits: RequestLimits,
) -> anyhow::Result<()> {
    let agencies: Vec<_> = config::default_agencies().map(|(a, _)| a).collect();
    sharegate_core::certs::ensure(Path::new(EXAMPLE_CERTS), &agencies)?;
    let scratch = if smoke { Some(tempfile::tempdir()?) } else { None };
    let placement = match &scratch {
        Some(dir) => Placement { data: dir.path().to_owned(), ports_from: None, gateway_database, request_limits },
        None => {
            Placement { data: PathBuf::from(DATA_DIR), ports_from: Some(ports_from), gateway_database, request_limits }
        }
    };
    let known = known_child(&placement.data)?;
    actix_web::rt::System::new().block_on(async move {
        let running = start(&placement).await?;
        let layout = Layout::new(Path::new(EXAMPLE_CERTS));
        let client = DemoClient::new(&layout, running.gateway_port, &running.node_ports)?;
        let subject = case::load(&client, known).await?;
        if smoke {
            let education = running.handles.get("education").cloned().context("no education node")?;
            let played = smoke::play(&client, &subject, education).await;
            running.stop().await;
            played
        } else {
            // Listening before the welcome: whoever reads "Ctrl-C stops the demo" may signal at once.
            sharegate_core::shutdown::stop_on_signal(running.handles.values().cloned().collect())
                .context("cannot listen for signals")?;
            print_welcome(&running, &subject);
            running.wait().await;
            println!("sharegate demo stopped; its data is kept in {}", placement.data.display());
            Ok(())
        }
    })
}

/// Ten o'clock tomorrow (UTC): when the demo's core group meets (a meeting is scheduled ahead, and sharing under it
/// opens a week before).
fn tomorrow_morning() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT10:00:00Z").to_string()
}

/// The case child's gateway id if an earlier run added it, read from the gateway's store before anything starts: on
/// a first run the demo does not ask the gateway for a child it does not have, which would log a refusal.
fn known_child(data: &Path) -> anyhow::Result<Option<SubjectId>> {
    let file = data.join("gateway.db");
    if !file.exists() {
        return Ok(None);
    }
    let key = SubjectKey::parse(case::NHS_NUMBER)?;
    let store = sharegate_gateway::store::open(&DatabaseUrl::Sqlite(file), &StoreOptions::default())?;
    let found = store.run_now(|conn| subjects::find(conn, &key))?;
    Ok(found.map(|child| child.id))
}

/// The running servers.
struct Running {
    gateway_port: u16,
    node_ports: BTreeMap<String, u16>,
    /// "gateway" and each agency → its server handle.
    handles: BTreeMap<String, ServerHandle>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    fn spawn(&mut self, name: &str, server: Listening) {
        self.handles.insert(name.to_owned(), server.handle());
        self.tasks.push(actix_web::rt::spawn(server.run()));
    }

    async fn stop(self) {
        for handle in self.handles.values() {
            handle.stop(true).await;
        }
        self.wait().await;
    }

    /// Waits until every server has stopped and closed its store.
    async fn wait(self) {
        for task in self.tasks {
            if let Ok(Err(e)) = task.await {
                tracing::warn!(error = %e, "a demo server stopped with an error");
            }
        }
    }
}

async fn start(placement: &Placement) -> anyhow::Result<Running> {
    let mut running =
        Running { gateway_port: 0, node_ports: BTreeMap::new(), handles: BTreeMap::new(), tasks: Vec::new() };
    let mut gateway = GatewayConfig::embedded();
    for (offset, (agency, _)) in (1u16..).zip(config::default_agencies()) {
        let mut node = NodeConfig::embedded(&agency).context("a shipped agency has no defaults")?;
        node.database_url = DatabaseUrl::Sqlite(placement.data.join(format!("{agency}.db")));
        node.listen.set_port(placement.ports_from.map_or(0, |first| first.saturating_add(offset)));
        let server = sharegate_node::start(&node).with_context(|| format!("the {agency} node cannot start"))?;
        let port = server.port();
        if let Some(entry) = gateway.agencies.get_mut(&agency) {
            entry.node_url = format!("https://localhost:{port}");
        }
        running.node_ports.insert(agency.to_string(), port);
        running.spawn(agency.as_str(), server);
    }
    gateway.database_url =
        placement.gateway_database.clone().unwrap_or_else(|| DatabaseUrl::Sqlite(placement.data.join("gateway.db")));
    gateway.listen.set_port(placement.ports_from.unwrap_or(0));
    gateway.request_limits = placement.request_limits;
    let server = sharegate_gateway::startup::gateway(&gateway).await.context("the gateway cannot start")?;
    running.gateway_port = server.port();
    running.spawn("gateway", server);
    Ok(running)
}

fn print_welcome(running: &Running, subject: &str) {
    let port = running.gateway_port;
    let curl = |who: &str| {
        format!(
            "curl -s --cacert {EXAMPLE_CERTS}/ca.crt --cert {EXAMPLE_CERTS}/people/{who}.crt --key {EXAMPLE_CERTS}/people/{who}.key"
        )
    };
    let ask = |categories: &str, purpose: &str, basis: &str| {
        format!(
            "-H 'content-type: application/json' https://localhost:{port}/v1/requests -d '{{\"subject\":\"{}\",\"categories\":[{categories}],\"purpose\":\"{purpose}\",\"lawful_basis\":\"{basis}\",\"reason\":\"demo\"}}'",
            case::NHS_NUMBER
        )
    };
    println!("\nsharegate demo: the gateway on https://localhost:{port}, nodes on {:?}", running.node_ports);
    println!(
        "a fictional child, Lily Example (NHS {}, gateway id {subject}), is known to all four agencies.\n",
        case::NHS_NUMBER
    );
    println!("# a social worker: school attendance under the mother's consent (granted)");
    println!("{} {}\n", curl("social_care-social_worker"), ask("\"education.attendance\"", "safeguarding", "consent"));
    println!("# a police investigator: mental-health records with no consent (refused, with why)");
    println!("{} {}\n", curl("police-investigator"), ask("\"health.mental_health\"", "safeguarding", "consent"));
    println!("# the same under health's endorsed Crime and Disorder Act s115 decision (granted)");
    println!(
        "{} {}\n",
        curl("police-investigator"),
        ask("\"health.mental_health\"", "crime_prevention", "crime_and_disorder_act_1998_s115")
    );
    println!("# a health visitor: which agencies hold what about the child (no content)");
    println!(
        "{} https://localhost:{port}/v1/subjects/{subject}/holders -H 'content-type: application/json' -d '{{\"purpose\": \"safeguarding\", \"lawful_basis\": \"consent\", \"reason\": \"Who else knows this child?\"}}'\n",
        curl("health-health_visitor")
    );
    println!("# a school DSL: who am I?");
    println!("{} https://localhost:{port}/v1/whoami\n", curl("education-dsl"));
    println!("# the school's DPO: every read of the school's records");
    println!(
        "{} https://localhost:{}/v1/access-register\n",
        curl("education-dpo"),
        running.node_ports.get("education").copied().unwrap_or_default()
    );
    println!(
        "# the core group coordinator: a meeting for the child (then /v1/meetings/{{id}}/views, /decisions, /pack)"
    );
    println!(
        "{} -H 'content-type: application/json' https://localhost:{port}/v1/meetings -d '{{\"subject\":\"{}\",\"scheduled_for\":\"{}\",\"invited\":[\"police\",\"health\",\"education\"]}}'\n",
        curl("social_care-coordinator"),
        case::NHS_NUMBER,
        tomorrow_morning()
    );
    println!("# the school's DPO: disclosures involving the school, and those awaiting review");
    println!("{} https://localhost:{port}/v1/disclosures/unreviewed\n", curl("education-dpo"));
    println!("# a social care manager: the consents and decisions about the child that social care is part of");
    println!("{} https://localhost:{port}/v1/subjects/{subject}/consents\n", curl("social_care-manager"));
    println!(
        "# the DPO console in a browser: https://localhost:{port}/console — import a DPO's certificate, e.g.\n\
         #   openssl pkcs12 -export -passout pass: -in {EXAMPLE_CERTS}/people/health-dpo.crt \\\n\
         #     -inkey {EXAMPLE_CERTS}/people/health-dpo.key -out health-dpo.p12\n\
         # and trust {EXAMPLE_CERTS}/ca.crt\n"
    );
    println!("Ctrl-C stops the demo; started again, it carries on from ./{DATA_DIR}/.");
}
