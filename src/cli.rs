//! The command line: one binary, several roles.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, GatewayConfig};
use crate::domain::AgencyName;
use crate::startup::Gateway;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(name = "sharegate", version, about = "Need-to-know sharing between agencies about a child, over mutual TLS")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: the only door between agencies.
    Gateway {
        /// A TOML configuration file; without it, the embedded defaults (certs-example/, ./data/, 127.0.0.1:8443).
        #[arg(long, env = "SHAREGATE_CONFIG")]
        config: Option<PathBuf>,
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
}

/// Runs the command and turns any failure into a message on stderr and a non-zero exit.
pub fn run(cli: Cli) -> ExitCode {
    crate::telemetry::init();
    let outcome = match cli.command {
        Command::Gateway { config } => run_gateway(config),
        Command::Migrate { config } => migrate(config),
        Command::Certs { command: CertsCommand::Init { out, force } } => certs_init(out, force),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sharegate: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_gateway(config_file: Option<PathBuf>) -> Result<(), String> {
    let config = GatewayConfig::load(config_file.as_deref()).map_err(|e| e.to_string())?;
    actix_web::rt::System::new().block_on(async move {
        let gateway = Gateway::build(&config).map_err(|e| e.to_string())?;
        tracing::info!(port = gateway.port(), "gateway listening");
        crate::shutdown::stop_on_signal(vec![gateway.handle()]);
        gateway.run().await.map_err(|e| format!("the gateway stopped with an error: {e}"))?;
        tracing::info!("gateway stopped");
        Ok(())
    })
}

fn migrate(config_file: Option<PathBuf>) -> Result<(), String> {
    let config = GatewayConfig::load(config_file.as_deref()).map_err(|e| e.to_string())?;
    let store = Store::connect(&config.database_url, &config.store_options()).map_err(|e| e.to_string())?;
    let applied = store.migrate().map_err(|e| e.to_string())?;
    if applied.is_empty() {
        println!("{} is up to date", config.database_url);
    } else {
        println!("applied {} migration(s) to {}: {}", applied.len(), config.database_url, applied.join(", "));
    }
    store.close();
    Ok(())
}

fn certs_init(out: PathBuf, force: bool) -> Result<(), String> {
    let agencies: Vec<AgencyName> = config::default_agencies().map(|(agency, _)| agency).collect();
    crate::certs::init(&out, &agencies, force).map_err(|e| e.to_string())?;
    println!("wrote an example federation under {} (examples only: never for real use)", out.display());
    Ok(())
}
