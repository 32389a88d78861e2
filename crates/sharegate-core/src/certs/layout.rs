//! Where each file of a federation's certificate folder lives (DESIGN.md, "Files and defaults").

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::domain::AgencyName;
use crate::tls::TlsFiles;

/// The paths of a certificate folder written by `certs init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_owned() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca.crt")
    }

    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca.key")
    }

    pub fn crl(&self) -> PathBuf {
        self.root.join("crl.pem")
    }

    /// The gateway's server side: what practitioners connect to.
    pub fn gateway_server(&self) -> TlsFiles {
        self.tls("gateway/server")
    }

    /// The gateway's client side: what it presents to nodes.
    pub fn gateway_client(&self) -> TlsFiles {
        self.tls("gateway/client")
    }

    pub fn node(&self, agency: &AgencyName) -> TlsFiles {
        self.tls(&format!("nodes/{agency}"))
    }

    /// A person's client certificate and key, e.g. `people/police-investigator.crt`.
    pub fn person(&self, agency: impl Display, role: impl Display) -> (PathBuf, PathBuf) {
        self.pair(&format!("people/{agency}-{role}"))
    }

    /// Test material: `expired`, `revoked`, `foreign`, `no-agency`.
    pub fn test(&self, name: &str) -> (PathBuf, PathBuf) {
        self.pair(&format!("test/{name}"))
    }

    pub fn foreign_ca_cert(&self) -> PathBuf {
        self.root.join("test/foreign-ca.crt")
    }

    pub fn log_signing_key(&self) -> PathBuf {
        self.root.join("log-signing.key")
    }

    pub fn node_signing_key(&self, agency: &AgencyName) -> PathBuf {
        self.root.join(format!("signing/{agency}.key"))
    }

    /// The public half of [`Self::node_signing_key`]: what the gateway checks the node's records with.
    pub fn node_record_key(&self, agency: &AgencyName) -> PathBuf {
        self.root.join(format!("signing/{agency}.pub"))
    }

    fn pair(&self, stem: &str) -> (PathBuf, PathBuf) {
        (self.root.join(format!("{stem}.crt")), self.root.join(format!("{stem}.key")))
    }

    fn tls(&self, stem: &str) -> TlsFiles {
        let (cert, key) = self.pair(stem);
        TlsFiles { ca: self.ca_cert(), crl: self.crl(), cert, key }
    }
}
