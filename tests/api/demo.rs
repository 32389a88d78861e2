//! The one-command demo: the smoke story passes, and the demo restarts on its own data without duplicating it.

use crate::helpers::BoundedOutput;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::{KillOnDrop, sharegate_binary};

/// A folder with the policy (certificates are made on first run, as on a fresh clone).
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for file in ["model.conf", "policy.csv", "cases.csv", "language.toml"] {
        std::fs::copy(std::path::Path::new("policies").join(file), dir.path().join("policies").join(file)).unwrap();
    }
    dir
}

#[test]
fn the_smoke_story_holds() {
    let dir = workdir();
    let output =
        Command::new(sharegate_binary()).args(["demo", "--smoke"]).current_dir(dir.path()).bounded_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("smoke: all 9 steps held"), "{stdout}");
    assert!(dir.path().join("certs-example/ca.crt").exists(), "the demo made its example certificates");
}

/// Starts the demo, reads its welcome until it is ready, stops it with SIGTERM; returns what it printed, and its log.
fn run_until_ready_then_stop(dir: &std::path::Path, ports_from: u16) -> (String, String) {
    let mut demo = KillOnDrop::new(
        Command::new(sharegate_binary())
            .args(["demo", "--ports-from", &ports_from.to_string()])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut demo.child;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("Ctrl-C stops the demo") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            panic!("the demo exited early:\n{printed}\n{stderr}");
        }
        printed.push_str(&line);
    }
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "exit {status:?}\n{rest}\n{stderr}");
    assert!(rest.contains("sharegate demo stopped"), "{rest}");
    (printed, stderr)
}

#[test]
fn the_demo_restarts_on_its_own_data() {
    let dir = workdir();
    // Below the ephemeral range (32768+), where other tests' sockets come and go.
    let ports_from = 10000 + (std::process::id() % 4000) as u16 * 5;
    let (first, log) = run_until_ready_then_stop(dir.path(), ports_from);
    assert!(!log.contains("request refused"), "a newcomer's first run logs no refusal: {log}");
    let (second, log) = run_until_ready_then_stop(dir.path(), ports_from);
    assert!(!log.contains("request refused"), "{log}");
    let id = |text: &str| text.split("gateway id ").nth(1).and_then(|t| t.split(')').next()).map(str::to_owned);
    assert!(id(&first).is_some(), "{first}");
    assert_eq!(id(&first), id(&second), "the same child, not a duplicate");
    assert!(
        first.contains(
            "curl -s --cacert certs-example/ca.crt --cert certs-example/people/social_care-social_worker.crt"
        ),
        "{first}"
    );
    for store in ["gateway", "police", "health", "education", "social_care"] {
        assert!(dir.path().join(format!("data/{store}.db")).exists(), "{store}'s store is under ./data/");
    }
    for node in ["police", "health", "education", "social_care"] {
        let url = sharegate_core::store::DatabaseUrl::Sqlite(dir.path().join(format!("data/{node}.db")));
        let store = sharegate_node::store::open(&url, &Default::default()).unwrap();
        let records = store.run_now(|conn| sharegate_node::store::records::page(conn, None, 100)).unwrap();
        assert_eq!(records.len(), 2, "{node}: the case's two records, not duplicated");
    }
}
