//! From the TLS connection to a handler argument: the peer certificate is read once per connection (in actix's
//! `on_connect` hook) and the typed caller is kept in the connection's extensions for every request on it.

use std::any::Any;
use std::future::{Ready, ready};

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::{Extensions, Payload};
use actix_web::rt::net::TcpStream;
use actix_web::{FromRequest, HttpRequest};

use super::{Caller, Federation, Identity, IdentityError};
use crate::error::{ApiError, ErrorKind};

/// What the door learned about a connection's client certificate.
#[derive(Debug, Clone)]
pub struct PeerIdentity(pub Result<Caller, IdentityError>);

/// The leaf certificate of a TLS connection, as actix hands connections to its `on_connect` hook.
///
/// rustls has already verified the chain, expiry and revocation before that hook runs (or resumed a session whose
/// certificate it verified then: `crate::tls::revocation` checks again on every request); a connection without a
/// certificate never gets there because the verifier requires one.
pub fn peer_leaf(connection: &dyn Any) -> Option<&[u8]> {
    let tls = connection.downcast_ref::<TlsStream<TcpStream>>()?;
    tls.get_ref().1.peer_certificates()?.first().map(|der| der.as_ref())
}

/// The `on_connect` hook's part: stores the caller the verified leaf certificate names.
pub fn capture_peer_identity(leaf: Option<&[u8]>, extensions: &mut Extensions, federation: &Federation) {
    let identity = match leaf {
        Some(der) => Caller::from_der(der, federation),
        None => Err(IdentityError::Unreadable),
    };
    extensions.insert(PeerIdentity(identity));
}

fn caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    match req.conn_data::<PeerIdentity>() {
        Some(PeerIdentity(Ok(caller))) => Ok(caller.clone()),
        Some(PeerIdentity(Err(why))) => Err(ApiError::forbidden(why.to_string())),
        None => Err(ApiError::new(ErrorKind::NotAuthenticated, "no verified client certificate on this connection")),
    }
}

/// Whoever holds the connection's certificate: for endpoints open to both practitioners and the gateway.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req))
    }
}

/// A practitioner: handlers that act for a person take this argument.
impl FromRequest for Identity {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req).and_then(|caller| match caller {
            Caller::Practitioner(identity) => Ok(identity),
            Caller::Gateway { .. } => {
                Err(ApiError::forbidden("this endpoint is for practitioners; a service certificate cannot use it"))
            }
        }))
    }
}

/// The gateway reaching a node: the node's cross-agency read endpoints take this argument.
#[derive(Debug, Clone)]
pub struct GatewayCaller {
    pub serial: String,
}

impl FromRequest for GatewayCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req).and_then(|caller| match caller {
            Caller::Gateway { serial } => Ok(GatewayCaller { serial }),
            Caller::Practitioner(_) => {
                Err(ApiError::forbidden("only the sharegate gateway may read records across agencies"))
            }
        }))
    }
}
