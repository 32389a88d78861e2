//! The command line: one binary, several roles.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand};

use sharegate_core::certs::Enrolment;
use sharegate_core::domain::AgencyName;
use sharegate_core::serve::RequestLimits;
use sharegate_core::settings as config;
use sharegate_core::store::{DatabaseUrl, Store};
use sharegate_gateway::config::GatewayConfig;
use sharegate_gateway::decision::diff::PolicyDiff;
use sharegate_gateway::decision::policy::Policy;
use sharegate_gateway::startup;
use sharegate_node::config::NodeConfig;

#[derive(Debug, Parser)]
#[command(name = "sharegate", version, about = "Need-to-know sharing between agencies about a child, over mutual TLS")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole system: four agency nodes and the gateway, with a fictional case loaded.
    Demo {
        /// Play a scripted story against a fresh copy and exit 0 only if every step holds.
        #[arg(long)]
        smoke: bool,
        /// The gateway's port; the nodes take the next four (police, health, education, social care).
        #[arg(long, default_value_t = 8443)]
        ports_from: u16,
        /// The gateway's store instead of data/gateway.db, e.g. an empty PostgreSQL database (the load test's
        /// figures on PostgreSQL, plain and over TLS, come from this).
        #[arg(long, value_parser = |s: &str| DatabaseUrl::parse(s))]
        gateway_database: Option<DatabaseUrl>,
        /// Let one certificate make as many requests as it likes: for the load test, which sends thousands a second
        /// from one practitioner's certificate (never in a deployment: see request_limits).
        #[arg(long)]
        no_request_limits: bool,
    },
    /// Run the gateway: the only door between agencies.
    Gateway {
        /// A TOML configuration file; without it, the embedded defaults (certs-example/, ./data/, 127.0.0.1:8443).
        #[arg(long, env = "SHAREGATE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Run an agency's record node (or, with a subcommand, check or prune its store).
    Node {
        #[command(flatten)]
        target: NodeTarget,
        #[command(subcommand)]
        action: Option<NodeAction>,
    },
    /// Check or explain the need-to-know policy.
    Policy {
        #[arg(long, env = "SHAREGATE_CONFIG", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// The disclosure log.
    Log {
        #[arg(long, env = "SHAREGATE_CONFIG", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Apply pending database migrations to the gateway's store (the servers also do this when they start).
    Migrate {
        #[arg(long, env = "SHAREGATE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Make and manage certificates.
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
}

/// Which node: one of the shipped agencies on the embedded defaults, or a configuration file.
#[derive(Debug, clap::Args)]
pub struct NodeTarget {
    /// Run on the embedded defaults for this agency (certs-example/, ./data/<agency>.db, its default port).
    #[arg(long, global = true, conflicts_with = "config")]
    agency: Option<String>,
    /// A TOML configuration file (see node.example.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum NodeAction {
    /// Check every record's signature; name each record that fails.
    Verify,
    /// Remove records whose retention period has passed, leaving a tombstone for each.
    Retention {
        /// List what would be removed, and remove nothing.
        #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
        dry_run: bool,
        /// Remove it.
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Re-derive every entry's hash, the chain, the blocks, every checkpoint's root and signature, the head and
    /// the index; name the first thing that does not match.
    Verify,
    /// Build the log's index (query columns, block hashes, tree) again from the entries, e.g. after `verify` found
    /// it wrong. The entries and the signed checkpoints are not touched.
    Reindex,
    /// As an agency's witness: check that the log extends the last checkpoint this witness co-signed and co-sign
    /// the newest; exit 2, naming both checkpoints, if it was rolled back or rewritten.
    Witness(crate::witness::WitnessArgs),
    /// Check a disclosure's evidence file (`GET /v1/disclosures/{id}/evidence`) without the gateway: the entry is in
    /// the log the gateway signed with this key.
    CheckEvidence {
        /// The evidence file.
        file: PathBuf,
        /// The log's public key as you know it (`log-signing.pub`), not as the file says it.
        #[arg(long)]
        log_key: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Load the policy (every rule known and commented) and run policies/cases.csv; print every mismatch.
    Check,
    /// Would this role in this agency see this category for this purpose, and by which rule?
    Explain {
        #[arg(long)]
        role: String,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        category: String,
        #[arg(long)]
        purpose: String,
        /// The lawful basis (default: consent).
        #[arg(long, default_value = "consent")]
        basis: String,
    },
    /// What changing the policy from OLD to NEW (two policy directories) does: every request over the closed lists
    /// whose answer, deciding rule or endorsement changes, grouped, with each rule's comment. Fails if anything is
    /// allowed that was not, or allowed with less asked, unless --allow-widening.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Accept a change that widens what is shared (it is still listed).
        #[arg(long)]
        allow_widening: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Make an example federation: CA, CRL, server, client and people certificates, signing keys, test material.
    Init {
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// Replace a set that is already there.
        #[arg(long)]
        force: bool,
    },
    /// Issue one person's client certificate under the federation's CA (a new practitioner, or a replacement for a
    /// revoked certificate): people/<agency>-<role>-<name>.{crt,key}. Nothing needs restarting.
    Issue {
        /// The federation's folder: its ca.crt and ca.key sign the certificate, written under its people/.
        #[arg(long)]
        dir: PathBuf,
        /// The person's agency, as the federation names it (e.g. police).
        #[arg(long)]
        agency: String,
        /// Their role (e.g. investigator).
        #[arg(long)]
        role: String,
        /// Their name, as records and the disclosure log will show it.
        #[arg(long)]
        name: String,
        /// How many days it is valid for (at most 3650).
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Name the files people/<agency>-<role>-<FILE>.{crt,key} instead of by the name: for a namesake, or a second
        /// certificate for one person.
        #[arg(long)]
        file: Option<String>,
    },
    /// Make TLS material for a PostgreSQL server (examples and tests): a CA of its own (root.crt, the clients'
    /// sslrootcert), a server certificate naming each host (server.crt, server.key) and, for --client, a client
    /// certificate whose CN is that PostgreSQL role (client-<ROLE>.crt, .key).
    Database {
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// A host name or address the server is reached by (repeat for each).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// A PostgreSQL role to make a client certificate for.
        #[arg(long)]
        client: Option<String>,
        /// Replace a set that is already there.
        #[arg(long)]
        force: bool,
    },
    /// Make a new ed25519 signing key and its public half (<stem>.pub) beside it: a node's next key, when rotating.
    SigningKey {
        /// Where to write the private key, e.g. certs/signing/police-2027.key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a certificate: write the CA's next CRL (then send SIGHUP to the gateway and the nodes to apply it).
    Revoke {
        /// The federation's folder: its ca.crt and ca.key sign the new CRL, written over its crl.pem.
        #[arg(long)]
        dir: PathBuf,
        /// The certificate to revoke (PEM), issued by that CA.
        #[arg(long)]
        cert: PathBuf,
        /// Why, as the CRL records it.
        #[arg(long, value_enum)]
        reason: sharegate_core::certs::Reason,
    },
}

/// Runs the command and turns any failure into a message on stderr and a non-zero exit.
pub fn run(cli: Cli) -> ExitCode {
    sharegate_core::telemetry::init();
    let outcome = match cli.command {
        Command::Demo { smoke, ports_from, gateway_database, no_request_limits } => {
            let limits =
                if no_request_limits { RequestLimits::none_worth_counting() } else { RequestLimits::default() };
            crate::demo::run(smoke, ports_from, gateway_database, limits)
        }
        Command::Gateway { config } => run_gateway(config),
        Command::Node { target, action } => node(target, action),
        Command::Policy { config, command } => policy(config, command),
        Command::Log { config, command: LogCommand::Verify } => verify_log(config),
        Command::Log { config, command: LogCommand::Reindex } => reindex_log(config),
        Command::Log { command: LogCommand::Witness(args), .. } => witness(&args),
        Command::Log { command: LogCommand::CheckEvidence { file, log_key }, .. } => check_evidence(&file, &log_key),
        Command::Migrate { config } => migrate(config),
        Command::Certs { command: CertsCommand::Init { out, force } } => certs_init(out, force),
        Command::Certs { command: CertsCommand::Database { out, hosts, client, force } } => {
            certs_database(&out, &hosts, client.as_deref(), force)
        }
        Command::Certs { command: CertsCommand::Revoke { dir, cert, reason } } => certs_revoke(&dir, &cert, reason),
        Command::Certs { command: CertsCommand::Issue { dir, agency, role, name, days, file } } => {
            let enrolment = Enrolment { agency: &agency, role: &role, name: &name, days, file: file.as_deref() };
            certs_issue(&dir, enrolment)
        }
        Command::Certs { command: CertsCommand::SigningKey { out } } => {
            let public = sharegate_core::certs::new_signing_key(&out).map_err(anyhow::Error::from);
            public.map(|public| {
                println!("wrote {} (private: keep it on the node) and {}", out.display(), public.display());
            })
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if crate::witness::is_alarm(&error) => {
            eprintln!("sharegate: ALARM: {error}");
            ExitCode::from(crate::witness::ALARM_EXIT)
        }
        Err(error) => {
            // `{:#}`: the error and each cause under it, on one line ("the node's store: cannot open …: …").
            eprintln!("sharegate: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn witness(args: &crate::witness::WitnessArgs) -> anyhow::Result<()> {
    match crate::witness::run(args)? {
        crate::witness::Outcome::Cosigned(seen) => println!("co-signed {seen}"),
        crate::witness::Outcome::AlreadyCosigned(seen) => println!("had already co-signed {seen}"),
    }
    Ok(())
}

fn run_gateway(config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = GatewayConfig::load(config_file.as_deref())?;
    actix_web::rt::System::new().block_on(async move {
        let gateway = startup::gateway(&config).await.context("the gateway cannot start")?;
        sharegate_core::shutdown::stop_on_signal(vec![gateway.handle()]).context("cannot listen for signals")?;
        tracing::info!(port = gateway.port(), "gateway listening");
        gateway.run().await.context("the gateway stopped with an error")?;
        tracing::info!("gateway stopped");
        Ok(())
    })
}

fn node(target: NodeTarget, action: Option<NodeAction>) -> anyhow::Result<()> {
    let agency = target.agency.as_deref().map(AgencyName::parse).transpose().map_err(|e| anyhow!("--agency {e}"))?;
    let config = NodeConfig::load(target.config.as_deref(), agency.as_ref())?;
    match action {
        None => run_node(config),
        Some(NodeAction::Verify) => verify_node(&config),
        Some(NodeAction::Retention { apply, .. }) => retention(&config, apply),
    }
}

fn run_node(config: NodeConfig) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let node =
            sharegate_node::start(&config).with_context(|| format!("the {} node cannot start", config.agency))?;
        sharegate_core::shutdown::stop_on_signal(vec![node.handle()]).context("cannot listen for signals")?;
        tracing::info!(agency = %config.agency, port = node.port(), "node listening");
        node.run().await.context("the node stopped with an error")?;
        tracing::info!(agency = %config.agency, "node stopped");
        Ok(())
    })
}

fn verify_node(config: &NodeConfig) -> anyhow::Result<()> {
    let key = sharegate_core::signing::load(&config.signing_key)?;
    let mut keys = vec![key.verifying_key()];
    for retired in &config.retired_signing_keys {
        keys.push(sharegate_core::signing::load_public(retired).context("retired_signing_keys")?);
    }
    let store =
        sharegate_node::store::open(&config.database_url, &config.store_options()).context("the node's store")?;
    let outcome = sharegate_node::verify::verify_all(&store, &keys).context("reading the records")?;
    for failure in &outcome.failures {
        println!("FAILED {}: {}", failure.id, failure.why);
    }
    println!("{} records checked, {} failed", outcome.checked, outcome.failures.len());
    match outcome.failures.len() {
        0 => Ok(()),
        n => bail!("{n} record(s) of {} do not verify", config.agency),
    }
}

fn retention(config: &NodeConfig, apply: bool) -> anyhow::Result<()> {
    let store =
        sharegate_node::store::open(&config.database_url, &config.store_options()).context("the node's store")?;
    let report = sharegate_node::retention::run(&store, config, chrono::Utc::now(), apply).context("retention")?;
    let verb = if report.applied { "removed" } else { "would remove" };
    for expired in &report.expired {
        let record = &expired.record;
        println!("{verb} {} ({}, recorded {}) under {}", record.id, record.category, record.recorded_at, expired.rule);
    }
    println!("{verb} {} record(s) of {}", report.expired.len(), config.agency);
    for held in &report.held {
        let record = &held.record;
        println!("kept {} ({}): expired under {}, but on legal hold", record.id, record.category, held.rule);
    }
    for (class, count) in &report.birth_date_unknown {
        println!("kept {count} record(s) of class {class}: counted from the date of birth, which is not recorded");
    }
    store.close();
    Ok(())
}

fn policy(config_file: Option<PathBuf>, command: PolicyCommand) -> anyhow::Result<()> {
    let config = GatewayConfig::load(config_file.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread().build().context("cannot start a runtime")?;
    runtime.block_on(async {
        let vocabulary = config.vocabulary();
        let current = || Policy::load(&config.policy_dir, &vocabulary);
        match command {
            PolicyCommand::Check => check_policy(&config, &current().await?).await,
            PolicyCommand::Diff { old, new, allow_widening } => {
                diff_policies(&config, &old, &new, allow_widening).await
            }
            PolicyCommand::Explain { role, agency, category, purpose, basis } => {
                let policy = current().await?;
                let verdict = policy.evaluate(&role, &agency, &category, &purpose, &basis);
                let answer = if verdict.allowed { "ALLOWED" } else { "REFUSED" };
                println!("{answer}: {role} in {agency} asking for {category} for {purpose} on the basis {basis}");
                match verdict.rule {
                    Some(rule) => println!(
                        "by {}
because: {}",
                        rule.reference(),
                        rule.reason
                    ),
                    None => println!("no rule grants this (need-to-know denies by default)"),
                }
                if verdict.rule.is_some_and(|r| r.needs_endorsement) {
                    println!("a decision not to seek consent counts under this rule only once a manager endorses it");
                }
                println!("policy {}", policy.hash);
                Ok(())
            }
        }
    })
}

async fn diff_policies(config: &GatewayConfig, old: &Path, new: &Path, allow_widening: bool) -> anyhow::Result<()> {
    let vocabulary = config.vocabulary();
    let load = |dir: &Path| {
        let dir = dir.to_owned();
        let vocabulary = &vocabulary;
        async move { Policy::load(&dir, vocabulary).await.with_context(|| format!("the policy in {}", dir.display())) }
    };
    let (old, new) = (load(old).await?, load(new).await?);
    let diff = PolicyDiff::between(&old, &new, &vocabulary);
    print!("{}", diff.report());
    if diff.widens() && !allow_widening {
        bail!(
            "the new policy shares more than the old (see WIDENED and LOOSENED above); pass --allow-widening if that is intended"
        )
    }
    Ok(())
}

async fn check_policy(config: &GatewayConfig, policy: &Policy) -> anyhow::Result<()> {
    let cases = sharegate_gateway::decision::cases::load(&config.policy_dir)?;
    let mismatches = sharegate_gateway::decision::cases::run(policy, &cases).await?;
    for m in &mismatches {
        let want = if m.case.expected { "allow" } else { "deny" };
        let c = &m.case;
        println!(
            "MISMATCH cases.csv:{}: {}, {}, {}, {}, {} expected {want} ({}); index says {}, casbin says {}; rule {}",
            c.line,
            c.role,
            c.agency,
            c.category,
            c.purpose,
            c.basis,
            c.why,
            m.index,
            m.casbin,
            m.rule.as_deref().unwrap_or("none")
        );
    }
    println!(
        "policy {}: {} rules, {} cases, {} mismatches",
        policy.hash,
        policy.rules.len(),
        cases.len(),
        mismatches.len()
    );
    match mismatches.len() {
        0 => Ok(()),
        n => bail!("{n} case(s) do not match the policy"),
    }
}

fn verify_log(config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = GatewayConfig::load(config_file.as_deref())?;
    let key = sharegate_core::signing::load(&config.signing_key)?;
    let store =
        sharegate_gateway::store::open(&config.database_url, &config.store_options()).context("the gateway's store")?;
    let started = std::time::Instant::now();
    let report = sharegate_gateway::disclosure_log::verify::verify_log(&store, &key.verifying_key())
        .context("reading the log")?;
    let seconds = started.elapsed().as_secs_f64();
    match report.problem {
        None => {
            println!(
                "the disclosure log verifies: {} entries, {} checkpoints, in {seconds:.2} s",
                report.entries, report.checkpoints
            );
            Ok(())
        }
        Some(problem) => {
            println!("FAILED after {} good entries: {problem}", report.entries);
            bail!("the disclosure log does not verify")
        }
    }
}

fn check_evidence(file: &Path, log_key: &Path) -> anyhow::Result<()> {
    use sharegate_gateway::disclosure_log::proof::Evidence;
    let key =
        sharegate_core::signing::load_public(log_key).with_context(|| format!("--log-key {}", log_key.display()))?;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let evidence: Evidence =
        serde_json::from_str(&text).with_context(|| format!("{} is not a sharegate evidence file", file.display()))?;
    let p = &evidence.proof;
    match evidence.check(&key) {
        Ok(()) => {
            println!(
                "the evidence holds: disclosure {} is entry {} of the log, under the checkpoint of its first {} entries \
                 signed {} with the key given",
                p.disclosure_id, p.index, p.checkpoint.size, p.checkpoint.at
            );
            Ok(())
        }
        Err(broken) => {
            println!("FAILED: {broken}");
            bail!("the evidence does not hold")
        }
    }
}

fn reindex_log(config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = GatewayConfig::load(config_file.as_deref())?;
    let key = sharegate_core::signing::load(&config.signing_key)?;
    let store =
        sharegate_gateway::store::open(&config.database_url, &config.store_options()).context("the gateway's store")?;
    let started = std::time::Instant::now();
    let indexed = sharegate_gateway::disclosure_log::indexer::reindex(&store, &key, config.checkpoint_policy())
        .context("rebuilding the log's index")?;
    println!("the disclosure log's index holds {indexed} entries again, in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn migrate(config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = GatewayConfig::load(config_file.as_deref())?;
    let store = Store::connect(&config.database_url, &config.store_options()).context("the gateway's store")?;
    let applied = store.migrate(&sharegate_gateway::store::MIGRATIONS)?;
    if applied.is_empty() {
        println!("{} is up to date", config.database_url);
    } else {
        println!("applied {} migration(s) to {}: {}", applied.len(), config.database_url, applied.join(", "));
    }
    store.close();
    Ok(())
}

fn certs_revoke(dir: &Path, cert: &Path, reason: sharegate_core::certs::Reason) -> anyhow::Result<()> {
    let layout = sharegate_core::certs::Layout::new(dir);
    match sharegate_core::certs::revoke(&layout, cert, reason)? {
        sharegate_core::certs::Revoked::Now { subject, serial, crl_number } => println!(
            "revoked {subject} (serial {serial}): CRL number {crl_number} written to {}; send SIGHUP to the gateway \
             and the nodes (or restart them) to apply it",
            layout.crl().display()
        ),
        sharegate_core::certs::Revoked::Already { subject, serial, since } => {
            println!("{subject} (serial {serial}) is already revoked, since {since}; nothing written")
        }
    }
    Ok(())
}

fn certs_issue(dir: &Path, enrolment: Enrolment<'_>) -> anyhow::Result<()> {
    let issued = sharegate_core::certs::enrol(&sharegate_core::certs::Layout::new(dir), enrolment)?;
    println!(
        "issued {} (serial {}), valid until {}: certificate {}, key {} (give the key to its holder alone); the \
         gateway accepts it once its agency and role are in the configuration",
        issued.subject,
        issued.serial,
        issued.not_after,
        issued.cert.display(),
        issued.key.display()
    );
    Ok(())
}

fn certs_database(out: &Path, hosts: &[String], client: Option<&str>, force: bool) -> anyhow::Result<()> {
    let files = sharegate_core::certs::write_database_certs(out, hosts, client, force)?;
    let (cert, key) = files.server();
    println!(
        "wrote a database CA {} (clients' sslrootcert), the server's {} and {} (examples only: never for real use)",
        files.root_cert().display(),
        cert.display(),
        key.display()
    );
    Ok(())
}

fn certs_init(out: PathBuf, force: bool) -> anyhow::Result<()> {
    let agencies: Vec<AgencyName> = config::default_agencies().map(|(agency, _)| agency).collect();
    sharegate_core::certs::init(&out, &agencies, force)?;
    println!("wrote an example federation under {} (examples only: never for real use)", out.display());
    Ok(())
}
