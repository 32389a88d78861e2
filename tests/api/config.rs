//! Starting with a bad configuration stops with a non-zero exit and a message naming what is wrong.

use crate::helpers::BoundedOutput;
use std::io::{BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};

use crate::helpers::{federation, sharegate_binary};

/// A complete, valid configuration on the test federation, as TOML.
pub fn valid_toml() -> String {
    let layout = &federation().layout;
    let tls = layout.gateway_server();
    let policies = std::env::current_dir().expect("cwd").join("policies");
    format!(
        r#"
listen = "127.0.0.1:0"
database_url = "sqlite://unused.db"
policy_dir = "{}"
signing_key = "{}"
[tls]
ca = "{}"
crl = "{}"
cert = "{}"
key = "{}"
[node_client]
ca = "{}"
crl = "{}"
cert = "{}"
key = "{}"
{}"#,
        policies.display(),
        layout.log_signing_key().display(),
        tls.ca.display(),
        tls.crl.display(),
        tls.cert.display(),
        tls.key.display(),
        tls.ca.display(),
        tls.crl.display(),
        layout.gateway_client().cert.display(),
        layout.gateway_client().key.display(),
        sharegate_core::settings::default_agencies()
            .map(|(agency, port)| format!(
                "[agencies.{agency}]\nnode_url = \"https://127.0.0.1:{port}\"\nrecord_keys = [\"{}\"]\n",
                layout.node_record_key(&agency).display()
            ))
            .collect::<String>()
    )
}

/// Runs `sharegate gateway --config FILE` with `toml` and returns (exit success, stderr).
pub fn start_with(toml: &str, env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, toml).expect("write config");
    let mut command = Command::new(sharegate_binary());
    command.arg("gateway").arg("--config").arg(&file).current_dir(dir.path());
    for (k, v) in env {
        command.env(k, v);
    }
    // A valid configuration would serve forever; these must all fail fast.
    let output = command.bounded_output().expect("run sharegate");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_settings_stop_the_start_naming_the_setting() {
    let valid = valid_toml();
    let health = sharegate_core::domain::AgencyName::parse("health").unwrap();
    let record_key = |agency: &sharegate_core::domain::AgencyName| {
        format!("record_keys = [\"{}\"]\n", federation().layout.node_record_key(agency).display())
    };
    let health_section = format!("[agencies.health]\nnode_url = \"https://127.0.0.1:8445\"\n{}", record_key(&health));
    let cases: Vec<(String, &str)> = vec![
        (valid.replace(r#"listen = "127.0.0.1:0""#, r#"listen = "nowhere""#), "listen"),
        (valid.replace(r#"listen = "127.0.0.1:0""#, ""), "listen"),
        (valid.replace("[agencies.police]", "[agencies.Police]"), "agencies"),
        (format!("categories = [\"fire.report\"]\n{valid}"), "categories"),
        (format!("purposes = [\"Curiosity\"]\n{valid}"), "purposes"),
        (
            format!(
                "categories = [\"police.incident\", \"education.attendance\", \"social_care.plan\"]\n{}",
                valid.replace(&health_section, "")
            ),
            "policy.csv line",
        ),
        (format!("colour = \"blue\"\n{valid}"), "colour"),
        (valid.replace("node_url", "url"), "url"),
        (valid.replace("https://127.0.0.1:8445", "https://"), "health's node_url"),
        (valid.replace("signing/health.pub", "signing/health.missing"), "health's record_keys"),
        // A private key where the public one belongs is not read as one.
        (valid.replace("signing/health.pub", "signing/health.key"), "signing/health.key"),
        (valid.replace(&record_key(&health), ""), "record_keys"),
        (valid.replace(&record_key(&health), "record_keys = []\n"), "health's record_keys is empty"),
        (
            valid.replace(&federation().layout.crl().display().to_string(), "/nonexistent/crl.pem"),
            "/nonexistent/crl.pem",
        ),
        (
            valid.replace(&federation().layout.gateway_server().key.display().to_string(), "/nonexistent/server.key"),
            "/nonexistent/server.key",
        ),
        (format!("body_limit_bytes = 0\n{valid}"), "body_limit_bytes"),
        (format!("meeting_conveners = [\"fire\"]\n{valid}"), "meeting_conveners: 'fire' is not an agency"),
        ("this is not toml".to_owned(), "gateway.toml"),
    ];
    for (toml, named) in cases {
        let (ok, stderr) = start_with(&toml, &[]);
        assert!(!ok, "should not start with:\n{toml}");
        assert!(stderr.contains(named), "stderr should name {named:?}:\n{stderr}");
    }
}

#[test]
fn environment_overrides_name_the_variable_when_bad() {
    let (ok, stderr) = start_with(&valid_toml(), &[("SHAREGATE_LISTEN", "not an address")]);
    assert!(!ok);
    assert!(stderr.contains("SHAREGATE_") && stderr.to_lowercase().contains("listen"), "{stderr}");
}

#[test]
fn a_missing_config_file_is_named() {
    let output = Command::new(sharegate_binary())
        .args(["gateway", "--config", "/nonexistent/sharegate.toml"])
        .bounded_output()
        .expect("run sharegate");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/sharegate.toml"));
}

#[test]
fn the_annotated_example_is_the_embedded_defaults() {
    let path = std::path::Path::new("sharegate.example.toml");
    let example = sharegate_gateway::config::GatewayConfig::load(Some(path)).expect("the example configuration loads");
    assert_eq!(example.source.as_deref(), Some(path), "read again from there on SIGHUP");
    // Every setting, so that one added to the embedded defaults and not to the example is caught.
    assert_eq!(
        sharegate_gateway::config::GatewayConfig { source: None, ..example },
        sharegate_gateway::config::GatewayConfig::embedded()
    );
}

/// `sharegate gateway` as a process of its own on the test federation, its store under `dir/data/`, logging JSON
/// lines at `info` to a pipe. Killed when dropped, so that a failed test leaves no server behind.
pub struct GatewayProcess {
    child: Child,
    stderr: Option<BufReader<ChildStderr>>,
    pub port: u16,
    _watchdog: crate::helpers::Watchdog,
}

impl GatewayProcess {
    /// Starts it on the test configuration and reads its log until it says it listens.
    pub fn start(dir: &Path) -> Self {
        Self::start_with(dir, &valid_toml())
    }

    /// Starts it on `toml` (its store, if `sqlite://unused.db`, under `dir/data/`).
    pub fn start_with(dir: &Path, toml: &str) -> Self {
        let file = dir.join("gateway.toml");
        std::fs::write(&file, toml.replace("sqlite://unused.db", "sqlite://data/gateway.db")).expect("write config");
        let child = Command::new(sharegate_binary())
            .arg("gateway")
            .arg("--config")
            .arg(&file)
            .current_dir(dir)
            .env("SHAREGATE_LOG", "info")
            .env("SHAREGATE_LOG_FORMAT", "json")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sharegate");
        let watchdog = crate::helpers::Watchdog::new(child.id(), crate::helpers::CHILD_LIMIT);
        let mut gateway = Self { child, stderr: None, port: 0, _watchdog: watchdog };
        let mut stderr = BufReader::new(gateway.child.stderr.take().expect("stderr"));
        gateway.port = u16::try_from(
            crate::policy::wait_for_log(&mut stderr, "gateway listening")["port"].as_u64().expect("the port"),
        )
        .expect("a port");
        gateway.stderr = Some(stderr);
        gateway
    }

    /// Its log, from where the last read stopped.
    pub fn logs(&mut self) -> &mut BufReader<ChildStderr> {
        self.stderr.as_mut().expect("the log is still read")
    }

    /// Whether it has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends it `SIG<signal>`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status();
        assert!(sent.expect("kill").success());
    }

    /// Sends it `SIG<signal>` and waits for it: how it exited and what it logged after it began listening.
    pub fn stop(mut self, signal: &str) -> (ExitStatus, String) {
        self.signal(signal);
        let status = self.child.wait().expect("wait");
        let mut logged = String::new();
        self.logs().read_to_string(&mut logged).expect("read");
        (status, logged)
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_and_sigint_stop_the_gateway_cleanly() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (status, rest) = GatewayProcess::start(dir.path()).stop(signal);
        assert!(status.success(), "SIG{signal}: exit {status:?}\n{rest}");
        assert!(rest.contains(&format!("SIG{signal}")) && rest.contains("gateway stopped"), "SIG{signal}: {rest}");
        let wal = dir.path().join("data/gateway.db-wal");
        assert!(
            !wal.exists() || std::fs::metadata(&wal).expect("wal").len() == 0,
            "the WAL was not checkpointed: {rest}"
        );
    }
}

/// Whoever read its log has gone (a log shipper that died, journald restarted): writing a line fails. The lines are
/// lost, but the gateway goes on, and still stops cleanly when told to.
#[tokio::test]
async fn a_gateway_whose_log_nobody_reads_any_more_still_serves_and_stops() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut gateway = GatewayProcess::start(dir.path());
    drop(gateway.stderr.take());
    // A refused request: its warning is written to the closed pipe.
    let url = format!("https://localhost:{}/v1/subjects/sub_0123456789abcdef0123456789abcdef/holders", gateway.port);
    for _ in 0..3 {
        let body = serde_json::json!({"purpose": "safeguarding"});
        assert_eq!(
            crate::helpers::send(crate::helpers::person("police-investigator").post(&url).json(&body)).await.0,
            400
        );
    }
    gateway.signal("TERM");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = gateway.child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the gateway did not stop on SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_annotated_node_example_is_the_police_nodes_embedded_defaults() {
    use sharegate_core::domain::AgencyName;
    use sharegate_node::config::NodeConfig;
    let example = NodeConfig::load(Some(std::path::Path::new("node.example.toml")), None).expect("the example loads");
    let embedded = NodeConfig::embedded(&AgencyName::parse("police").unwrap()).unwrap();
    assert_eq!(toml::to_string(&example).unwrap(), toml::to_string(&embedded).unwrap());
}

#[test]
fn a_node_refuses_a_category_of_another_agency() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("node.toml");
    let example = std::fs::read_to_string("node.example.toml").expect("example");
    std::fs::write(
        &file,
        example.replace(
            r#"categories = ["police.incident", "police.intelligence"]"#,
            r#"categories = ["police.incident", "health.summary"]"#,
        ),
    )
    .expect("write");
    let output =
        Command::new(sharegate_binary()).args(["node", "verify", "--config"]).arg(&file).bounded_output().expect("run");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("categories: 'health.summary' is not a category of 'police'")
    );
}

#[test]
fn the_deployment_example_loads_and_reaches_postgresql_over_verified_tls() {
    let path = std::path::Path::new("deploy/gateway.toml");
    let config = sharegate_gateway::config::GatewayConfig::load(Some(path)).expect("deploy/gateway.toml loads");
    let sharegate_core::store::DatabaseUrl::Postgres(url) = &config.database_url else {
        panic!("the deployment example shares one PostgreSQL between its gateways");
    };
    assert_eq!(url.ssl_mode(), sharegate_core::store::postgres::SslMode::VerifyFull);
    assert_eq!(config.request_limits, sharegate_core::serve::RequestLimits::default());
}
