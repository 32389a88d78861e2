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

/// The `on_connect` hook: reads the verified leaf certificate and stores the caller it names.
///
/// rustls has already verified the chain, expiry and revocation before this runs; a connection without a
/// certificate never gets here because the verifier requires one.
pub fn capture_peer_identity(connection: &dyn Any, extensions: &mut Extensions, federation: &Federation) {
    let Some(tls) = connection.downcast_ref::<TlsStream<TcpStream>>() else {
        return;
    };
    let leaf = tls.get_ref().1.peer_certificates().and_then(|chain| chain.first());
    let identity = match leaf {
        Some(der) => Caller::from_der(der.as_ref(), federation),
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
