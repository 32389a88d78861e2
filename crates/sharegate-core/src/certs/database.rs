//! TLS material for a PostgreSQL server, for tests and for trying TLS before the database's operator issues the
//! real thing: `sharegate certs database --out DIR --host NAME …`.
//!
//! A CA of its own (the database's certificate comes from whoever runs the database, not from the federation), a
//! server certificate naming each host, and optionally a client certificate for one PostgreSQL role, for servers
//! that authenticate clients by certificate (`cert` in `pg_hba.conf`: the certificate's CN is the role).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{ExtendedKeyUsagePurpose, SanType};
use time::OffsetDateTime;

use super::CertsError;
use super::issue::{base_params, issue_pair, write_ca};

/// Where `certs database` writes.
#[derive(Debug, Clone)]
pub struct DatabaseCerts {
    dir: PathBuf,
}

impl DatabaseCerts {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    /// The CA's certificate: what a client names as `sslrootcert`, and a server as `ssl_ca_file`.
    pub fn root_cert(&self) -> PathBuf {
        self.dir.join("root.crt")
    }

    pub fn root_key(&self) -> PathBuf {
        self.dir.join("root.key")
    }

    /// The server's certificate and key (`ssl_cert_file`, `ssl_key_file`).
    pub fn server(&self) -> (PathBuf, PathBuf) {
        (self.dir.join("server.crt"), self.dir.join("server.key"))
    }

    /// A role's client certificate and key (`sslcert`, `sslkey`).
    pub fn client(&self, role: &str) -> (PathBuf, PathBuf) {
        (self.dir.join(format!("client-{role}.crt")), self.dir.join(format!("client-{role}.key")))
    }
}

/// Writes a CA, a server certificate for `hosts` (names or addresses) and, for `client_role`, a client certificate.
/// Refuses to replace a CA already there unless `force`.
pub fn write_database_certs(
    out: &Path,
    hosts: &[String],
    client_role: Option<&str>,
    force: bool,
) -> Result<DatabaseCerts, CertsError> {
    let files = DatabaseCerts::new(out);
    if files.root_cert().exists() && !force {
        return Err(CertsError::AlreadyThere(out.to_owned()));
    }
    let first = hosts.first().ok_or(CertsError::Invalid { field: "host", reason: "name at least one".into() })?;
    let now = OffsetDateTime::now_utc();

    let ca = write_ca("sharegate EXAMPLE database CA (not for real use)", (files.root_cert(), files.root_key()), now)?;

    let mut server = base_params(first, now);
    server.subject_alt_names = hosts.iter().map(|host| subject_alt_name(host)).collect::<Result<_, _>>()?;
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    issue_pair(&server, &ca, files.server())?;

    if let Some(role) = client_role {
        let mut client = base_params(role, now);
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        issue_pair(&client, &ca, files.client(role))?;
    }
    Ok(files)
}

fn subject_alt_name(host: &str) -> Result<SanType, CertsError> {
    match host.parse::<IpAddr>() {
        Ok(address) => Ok(SanType::IpAddress(address)),
        Err(_) => Ok(SanType::DnsName(
            host.try_into().map_err(|e: rcgen::Error| CertsError::Invalid { field: "host", reason: e.to_string() })?,
        )),
    }
}
