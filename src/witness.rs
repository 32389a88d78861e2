//! `sharegate log witness`: an agency's check that the gateway's log only ever grows. Run on the agency's own
//! machine, from cron, with its DPO's certificate: it fetches the newest checkpoint, asks for the consistency proof
//! from the last checkpoint it co-signed, judges it (`disclosure_log::witness::judge`), and co-signs only a log that
//! extends what it saw. What it saw is kept in its state folder, beside its own key; a log rolled back or rewritten
//! is an alarm (exit 2) naming both checkpoints, and the state is left as it was so the alarm repeats until a person
//! looks.

use std::path::PathBuf;

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use serde::Serialize;

use sharegate_core::tls::revocation::Side;
use sharegate_core::tls::{Revocations, TlsFiles};
use sharegate_gateway::disclosure_log::merkle;
use sharegate_gateway::disclosure_log::note::{self, Cosignature};
use sharegate_gateway::disclosure_log::witness::{self, Seen};
use sharegate_gateway::routes::log::{ConsistencyProof, CosignRequest, PublishedCheckpoint};

/// Where and as whom the witness works.
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// The gateway's base URL, e.g. https://gateway.example:8443.
    #[arg(long)]
    pub gateway: String,
    /// The federation's CA certificate (PEM).
    #[arg(long)]
    pub ca: PathBuf,
    /// The federation's CRL (PEM).
    #[arg(long)]
    pub crl: PathBuf,
    /// The agency DPO's certificate (PEM): co-signatures are taken for the certificate's agency only.
    #[arg(long)]
    pub cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long)]
    pub key: PathBuf,
    /// The gateway's log public key (`log-signing.pub`), obtained from its operator once, out of band.
    #[arg(long)]
    pub log_key: PathBuf,
    /// The witness's folder: its key (`witness.key`, made on the first run; give `witness.pub` to the gateway's
    /// operator as `agencies.<agency>.witness_key`) and the last checkpoint it co-signed (`checkpoint.json`).
    #[arg(long)]
    pub state: PathBuf,
}

/// What a run did when the log was consistent.
#[derive(Debug)]
pub enum Outcome {
    /// Co-signed this checkpoint, now remembered.
    Cosigned(Seen),
    /// Co-signed it before (the log did not grow).
    AlreadyCosigned(Seen),
}

/// The witness's state folder.
struct State {
    dir: PathBuf,
}

impl State {
    fn key_path(&self) -> PathBuf {
        self.dir.join("witness.key")
    }

    fn seen_path(&self) -> PathBuf {
        self.dir.join("checkpoint.json")
    }

    /// The witness's key, made (with `witness.pub` beside it) on the first run.
    fn key(&self) -> anyhow::Result<SigningKey> {
        let path = self.key_path();
        if path.exists() {
            return Ok(sharegate_core::signing::load(&path)?);
        }
        let key = sharegate_core::signing::generate();
        sharegate_core::signing::save(&key, &path)?;
        eprintln!(
            "made the witness key {}: give {} to the gateway's operator as this agency's witness_key",
            path.display(),
            path.with_extension("pub").display()
        );
        Ok(key)
    }

    fn seen(&self) -> anyhow::Result<Option<Seen>> {
        let path = self.seen_path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                Ok(Some(serde_json::from_slice(&bytes).with_context(|| format!("{} cannot be read", path.display()))?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Remembers `seen` whole or not at all: written beside, synced, then renamed over the old.
    fn remember(&self, seen: &Seen) -> anyhow::Result<()> {
        use std::io::Write;
        let path = self.seen_path();
        let partial = self.dir.join("checkpoint.json.partial");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&partial)?;
            file.write_all(&serde_json::to_vec_pretty(seen)?)?;
            file.sync_all()?;
            std::fs::rename(&partial, &path)?;
            std::fs::File::open(&self.dir)?.sync_all()
        };
        write().with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The gateway, as the DPO's certificate reaches it.
struct Gateway {
    client: reqwest::Client,
    base: String,
}

impl Gateway {
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let response = self.client.get(&url).send().await.with_context(|| format!("cannot reach {url}"))?;
        Self::read(&url, response).await
    }

    async fn post<B: Serialize>(&self, path: &str, body: &B) -> anyhow::Result<reqwest::StatusCode> {
        let url = format!("{}{path}", self.base);
        let response = self.client.post(&url).json(body).send().await.with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!("{url} answered {status}: {}", response.text().await.unwrap_or_default());
        }
        Ok(status)
    }

    async fn read<T: serde::de::DeserializeOwned>(url: &str, response: reqwest::Response) -> anyhow::Result<T> {
        let status = response.status();
        let bytes = response.bytes().await.with_context(|| format!("{url}: the answer was cut off"))?;
        if !status.is_success() {
            bail!("{url} answered {status}: {}", String::from_utf8_lossy(&bytes));
        }
        serde_json::from_slice(&bytes).with_context(|| format!("{url} answered something that is not what it should"))
    }
}

/// One witnessing: `Ok` when the log extends what the witness saw (co-signed), an error that downcasts to
/// [`witness::Alarm`] when it does not, any other error when the witness could not find out.
pub fn run(args: &WitnessArgs) -> anyhow::Result<Outcome> {
    let state = State { dir: args.state.clone() };
    std::fs::create_dir_all(&state.dir).with_context(|| format!("cannot make {}", state.dir.display()))?;
    let key = state.key()?;
    let log_key = sharegate_core::signing::load_public(&args.log_key).context("--log-key")?;
    let files = TlsFiles { ca: args.ca.clone(), crl: args.crl.clone(), cert: args.cert.clone(), key: args.key.clone() };
    let revocations = Revocations::load(&files, Side::Servers)?;
    let tls = sharegate_core::tls::client_config(&files, &revocations)?;
    let client = reqwest::Client::builder().use_preconfigured_tls(tls).build()?;
    let gateway = Gateway { client, base: args.gateway.trim_end_matches('/').to_owned() };
    let seen = state.seen()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let published: PublishedCheckpoint = gateway.get("/v1/log/checkpoint").await?;
        let now = &published.checkpoint;
        let proof = match witness::proof_needed(seen.as_ref(), now) {
            Some(from) => {
                let path = format!("/v1/log/consistency?from={from}&to={}", now.size);
                let answer: ConsistencyProof = gateway.get(&path).await?;
                let hashes = answer.proof.iter().map(|h| merkle::decode(h)).collect::<Result<Vec<_>, _>>();
                // A proof that is not even hashes proves nothing: judged as an empty one, it fails as a fork would.
                hashes.unwrap_or_default()
            }
            None => Vec::new(),
        };
        let current = witness::judge(seen.as_ref(), now, &log_key, &proof)?;
        let root = merkle::decode(&current.root).map_err(anyhow::Error::msg)?;
        let body = note::body(&note::origin(&log_key), current.size, &root);
        let time = u64::try_from(chrono::Utc::now().timestamp()).context("the clock is before 1970")?;
        let cosignature = Cosignature::sign(&key, time, &body);
        let request = CosignRequest {
            size: current.size,
            root: current.root.clone(),
            cosigned_at: time,
            signature: hex::encode(cosignature.signature.to_bytes()),
        };
        let status = gateway.post("/v1/log/cosignatures", &request).await?;
        state.remember(&current)?;
        Ok(match status {
            reqwest::StatusCode::CREATED => Outcome::Cosigned(current),
            _ => Outcome::AlreadyCosigned(current),
        })
    })
}

/// The exit status of a witnessing that alarmed: distinct from 1 (could not witness) so cron can tell them apart.
pub const ALARM_EXIT: u8 = 2;

/// Whether `error` is the witness's alarm (a rollback, a fork, or an unsigned checkpoint).
pub fn is_alarm(error: &anyhow::Error) -> bool {
    error.downcast_ref::<witness::Alarm>().is_some()
}
