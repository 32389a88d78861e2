//! The demo's way in: the public API over mutual TLS, as each example person.

use anyhow::Context;
use std::collections::BTreeMap;

use serde_json::Value;

use sharegate_core::certs::{Layout, PEOPLE};
use sharegate_core::tls::revocation::Side;
use sharegate_core::tls::{Revocations, TlsFiles};

/// One HTTPS client per example person, and where the servers listen.
pub struct DemoClient {
    people: BTreeMap<String, reqwest::Client>,
    pub gateway: String,
    /// Agency → node base URL.
    pub nodes: BTreeMap<String, String>,
}

/// The value at a JSON pointer (`/records/0/category`), or null: reading answers never panics.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

/// What an API call answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl DemoClient {
    pub fn new(layout: &Layout, gateway_port: u16, node_ports: &BTreeMap<String, u16>) -> anyhow::Result<Self> {
        let mut people = BTreeMap::new();
        // Read once: every person's files name the federation's one CA and CRL.
        let revocations = Revocations::load(&layout.gateway_server(), Side::Servers)?;
        for person in PEOPLE {
            let (cert, key) = layout.person(person.agency, person.role);
            let files = TlsFiles { ca: layout.ca_cert(), crl: layout.crl(), cert, key };
            let tls = sharegate_core::tls::client_config(&files, &revocations)?;
            let client = reqwest::Client::builder().use_preconfigured_tls(tls).build()?;
            people.insert(format!("{}-{}", person.agency, person.role), client);
        }
        Ok(Self {
            people,
            gateway: format!("https://localhost:{gateway_port}"),
            nodes: node_ports.iter().map(|(a, p)| (a.clone(), format!("https://localhost:{p}"))).collect(),
        })
    }

    fn client(&self, who: &str) -> anyhow::Result<&reqwest::Client> {
        self.people.get(who).with_context(|| format!("no example person '{who}'"))
    }

    async fn send(request: reqwest::RequestBuilder) -> anyhow::Result<Answer> {
        let response = request.send().await.context("the request failed")?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
    }

    pub async fn get(&self, who: &str, url: &str) -> anyhow::Result<Answer> {
        Self::send(self.client(who)?.get(url)).await
    }

    /// A page for a browser: its status and text.
    pub async fn page(&self, who: &str, url: &str) -> anyhow::Result<(u16, String)> {
        let response = self.client(who)?.get(url).send().await.context("the request failed")?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }

    pub async fn post(&self, who: &str, url: &str, body: &Value) -> anyhow::Result<Answer> {
        Self::send(self.client(who)?.post(url).json(body)).await
    }

    pub async fn put(&self, who: &str, url: &str, body: &Value) -> anyhow::Result<Answer> {
        Self::send(self.client(who)?.put(url).json(body)).await
    }

    pub fn node(&self, agency: &str, path: &str) -> String {
        format!("{}{path}", self.nodes.get(agency).map_or("", String::as_str))
    }

    pub fn at_gateway(&self, path: &str) -> String {
        format!("{}{path}", self.gateway)
    }
}
