//! Brokering (step 5): fetch the allowed categories from each holding agency's node, all at once, over mutual TLS
//! with the gateway's client certificate, each within its deadline. A node that is down, slow, failing or talking
//! nonsense gives a marked partial answer — never a hang, never an error for the whole request.
//!
//! The broker fetches only what an [`Authorized`] allows and hands back [`Fetched`] raw answers; it never decides
//! and never passes anything to a requester: redaction does that.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::value::RawValue;
use thread_local::ThreadLocal;

use crate::decision::Authorized;
use sharegate_core::domain::{AgencyName, Category, DisclosureId, LocalRef, NhsNumber, Subject};
use sharegate_core::identity::Identity;
use sharegate_core::tls::{Revocations, TlsError, TlsFiles};
use sharegate_protocol::headers::{DISCLOSURE_HEADER, PURPOSE_HEADER, REQUESTER_HEADER, SUBJECT_HEADER};
use sharegate_protocol::holdings::Holdings;

/// Why a node's answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum NodeFault {
    #[error("the agency's record system could not be reached")]
    Unreachable,
    #[error("the agency's record system did not answer within {0} ms")]
    TimedOut(u128),
    #[error("the agency's record system answered with an error ({0})")]
    Failed(u16),
    #[error("the agency's record system sent an answer that could not be read")]
    Malformed,
    #[error("the agency's record system sent more than the {0}-byte limit")]
    TooLarge(usize),
    #[error("no record system is configured for this agency")]
    NotConfigured,
    /// The node knows the agency's reference to belong to another child than the one asked about: the link at the
    /// gateway is wrong, and the node sent nothing. The agency's DPO reviews it.
    #[error("the agency's record system says its reference for this child belongs to another child")]
    Mismatch,
}

impl NodeFault {
    /// A stable word for the answer's per-agency status.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// One agency's answer, as received.
#[derive(Debug)]
pub struct NodeAnswer {
    pub agency: AgencyName,
    /// The child's reference at the agency; none if the agency does not know the child (nothing is asked).
    pub local_ref: Option<LocalRef>,
    /// What was asked of it.
    pub asked: BTreeSet<Category>,
    /// What the node sent: redaction decides what of it may pass.
    pub result: Result<Sent, NodeFault>,
}

/// A node's answer to a read of records.
#[derive(Debug, Default, Deserialize)]
pub struct Sent {
    /// Each record's text as sent: read once, by redaction, straight into the strict record type, so that one bad
    /// record is dropped on its own rather than spoiling the agency's whole answer.
    pub records: Vec<Box<RawValue>>,
    /// How many records in the categories asked the agency's DPO restricts (UK GDPR Art. 18): held back, counted.
    #[serde(default)]
    pub restricted: usize,
}

/// Every holding agency's answer to one request. Only the broker makes one; only redaction consumes it.
#[derive(Debug)]
pub struct Fetched {
    answers: Vec<NodeAnswer>,
}

impl Fetched {
    pub fn into_answers(self) -> Vec<NodeAnswer> {
        self.answers
    }
}

/// Who a fetch is for, sent to each node for its access register.
pub struct FetchFor<'a> {
    pub disclosure: &'a DisclosureId,
    pub requester: &'a Identity,
    /// The child asked about: the node checks it against what it knows its reference to be.
    pub subject: &'a NhsNumber,
}

/// What an agency holds about a child among the categories asked: no content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub categories: BTreeSet<Category>,
    pub records: usize,
}

/// How the gateway reaches the nodes.
pub struct NodeLinks<'a> {
    /// Each agency's node's base URL.
    pub nodes: BTreeMap<AgencyName, &'a str>,
    /// What the gateway presents to nodes, and the CA it trusts them by.
    pub client: &'a TlsFiles,
    /// How long to wait for a node before answering without it.
    pub timeout: Duration,
    /// The largest answer taken from a node.
    pub response_limit: usize,
}

/// Why the broker cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{agency}'s node_url '{url}' is not a usable URL: {reason}")]
    NodeUrl { agency: AgencyName, url: String, reason: String },
}

/// The gateway's way to the nodes: pooled clients, each node's base URL, a deadline and a size cap.
#[derive(Clone)]
pub struct Broker {
    clients: Arc<NodeClients>,
    /// Parsed once: a request's URL is this with its path and query set, not a string parsed anew each time.
    nodes: BTreeMap<AgencyName, reqwest::Url>,
    limit: usize,
}

impl Broker {
    /// `revocations`: the CRLs in force for `links.client`, checked at each handshake with a node.
    pub fn new(links: &NodeLinks<'_>, revocations: &Arc<Revocations>) -> Result<Self, BrokerError> {
        let deadline = links.timeout;
        let tls = sharegate_core::tls::client_config(links.client, revocations)?;
        let clients = NodeClients { tls, deadline, revocations: revocations.clone(), each: ThreadLocal::new() };
        // Built once here, so that a client that cannot be built stops the gateway from starting.
        clients.here().map_err(|e| TlsError::Identity {
            cert: links.client.cert.clone(),
            key: links.client.key.clone(),
            reason: e.to_string(),
        })?;
        let nodes = links
            .nodes
            .iter()
            .map(|(agency, node_url)| {
                let url = reqwest::Url::parse(node_url)
                    .map_err(|e| e.to_string())
                    .and_then(|url| if url.cannot_be_a_base() { Err("it cannot be a base".into()) } else { Ok(url) })
                    .map_err(|reason| BrokerError::NodeUrl {
                        agency: agency.clone(),
                        url: (*node_url).to_owned(),
                        reason,
                    })?;
                Ok((agency.clone(), url))
            })
            .collect::<Result<_, BrokerError>>()?;
        Ok(Self { clients: Arc::new(clients), nodes, limit: links.response_limit })
    }

    /// Fetches every allowed category from every agency that knows the child, concurrently.
    pub async fn fetch(&self, authorized: &Authorized, subject: &Subject, why: FetchFor<'_>) -> Fetched {
        let purpose = authorized.request().purpose.as_str();
        let why = &why;
        let asks = authorized.allowed_by_agency().into_iter().map(|(agency, asked)| {
            let local_ref = subject.local_refs.get(&agency).cloned();
            async move {
                let result = match &local_ref {
                    Some(local_ref) => self.get::<Sent>(&agency, local_ref, "records", &asked, purpose, why).await,
                    None => Ok(Sent::default()),
                };
                NodeAnswer { agency, local_ref, asked, result }
            }
        });
        Fetched { answers: join_all(asks).await }
    }

    /// Asks each agency that knows the child which of the categories `authorized` allows it holds records in: no
    /// content.
    pub async fn holdings(
        &self,
        authorized: &Authorized,
        subject: &Subject,
        why: FetchFor<'_>,
    ) -> Vec<(AgencyName, Result<Held, NodeFault>)> {
        let why = &why;
        let purpose = authorized.request().purpose.as_str();
        let asks = authorized.allowed_by_agency().into_iter().filter_map(|(agency, asked)| {
            let local_ref = subject.local_refs.get(&agency).cloned()?;
            Some(async move {
                let held = self.get::<Holdings>(&agency, &local_ref, "holdings", &asked, purpose, why).await.map(|h| {
                    // Only categories that were asked count, whatever the node says.
                    let categories: BTreeSet<Category> = h
                        .categories
                        .iter()
                        .filter_map(|c| Category::parse(c).ok())
                        .filter(|c| asked.contains(c))
                        .collect();
                    let records =
                        if categories.is_empty() { 0 } else { usize::try_from(h.records).unwrap_or(usize::MAX) };
                    Held { categories, records }
                });
                (agency, held)
            })
        });
        join_all(asks).await
    }

    /// `GET {node}/v1/subjects/{local_ref}/{what}?categories=…`, on behalf of `why`.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        agency: &AgencyName,
        local_ref: &LocalRef,
        what: &str,
        categories: &BTreeSet<Category>,
        purpose: &str,
        why: &FetchFor<'_>,
    ) -> Result<T, NodeFault> {
        let mut url = self.nodes.get(agency).ok_or(NodeFault::NotConfigured)?.clone();
        // The local reference is free text: `push` escapes it as one path segment.
        url.path_segments_mut().map_err(|()| NodeFault::NotConfigured)?.pop_if_empty().extend([
            "v1",
            "subjects",
            local_ref.as_str(),
            what,
        ]);
        let categories = categories.iter().map(Category::as_str).collect::<Vec<_>>().join(",");
        url.query_pairs_mut().append_pair("categories", &categories);
        let client = self.clients.here().map_err(|e| {
            tracing::error!(error = %e, "no client to reach the nodes on this thread");
            NodeFault::Unreachable
        })?;
        let request = client
            .get(url)
            .header(DISCLOSURE_HEADER, why.disclosure.as_str())
            .header(REQUESTER_HEADER, format!("{}/{}", why.requester.agency, why.requester.role))
            .header(PURPOSE_HEADER, purpose)
            .header(SUBJECT_HEADER, why.subject.as_str());
        let deadline = self.clients.deadline;
        match tokio::time::timeout(deadline, self.read(request)).await {
            Ok(result) => {
                if let Err(fault) = &result {
                    tracing::warn!(%agency, fault = %fault, "a node's answer cannot be used");
                }
                result
            }
            Err(_) => {
                tracing::warn!(%agency, deadline_ms = deadline.as_millis(), "a node did not answer in time");
                Err(NodeFault::TimedOut(deadline.as_millis()))
            }
        }
    }

    /// Sends the request and reads at most `limit` bytes of a 200 answer, parsed as JSON.
    async fn read<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, NodeFault> {
        let mut response = request.send().await.map_err(|e| {
            tracing::debug!(error = %e, "node request failed");
            NodeFault::Unreachable
        })?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            return Err(NodeFault::Mismatch);
        }
        if !response.status().is_success() {
            return Err(NodeFault::Failed(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|n| n > self.limit as u64) {
            return Err(NodeFault::TooLarge(self.limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| NodeFault::Unreachable)? {
            if body.len() + chunk.len() > self.limit {
                return Err(NodeFault::TooLarge(self.limit));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|_| NodeFault::Malformed)
    }
}

/// One connection pool to the nodes per thread. A pooled connection is driven by the thread that opened it: shared
/// between the server's workers, half the requests would hand their connection's work to the other worker and wait
/// to be woken back (two thread switches each).
struct NodeClients {
    tls: rustls::ClientConfig,
    /// For connecting, and for each call as a whole.
    deadline: Duration,
    /// The CRLs in force for the nodes' certificates: a new list retires every thread's client.
    revocations: Arc<Revocations>,
    each: ThreadLocal<RefCell<ThreadClient>>,
}

/// A thread's client and the revocation list it was built under.
struct ThreadClient {
    generation: u64,
    client: reqwest::Client,
}

impl NodeClients {
    /// This thread's client: built on first use, and again once a new revocation list is in force — the old
    /// client's pooled connections and TLS sessions go with it, so a node the new list revokes is not reached over a
    /// connection opened, or a session resumed (which skips the certificate check), before the list changed.
    fn here(&self) -> Result<reqwest::Client, reqwest::Error> {
        let generation = self.revocations.generation();
        let cell = self.each.get_or_try(|| Ok::<_, reqwest::Error>(RefCell::new(self.build(generation)?)))?;
        let mut current = cell.borrow_mut();
        if current.generation != generation {
            *current = self.build(generation)?;
        }
        Ok(current.client.clone())
    }

    fn build(&self, generation: u64) -> Result<ThreadClient, reqwest::Error> {
        let mut tls = self.tls.clone();
        // Its own store of TLS sessions (a clone would share the one store), retired with the client.
        tls.resumption = rustls::client::Resumption::default();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            // A node answers or fails; it never sends the gateway's certificate elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.deadline)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()?;
        Ok(ThreadClient { generation, client })
    }
}
