//! Requests per practitioner's certificate and per agency: a stolen certificate must not pull a county's records in
//! a minute. Each is a token bucket (GCRA): a sustained rate and a burst; a request over either is answered `429`
//! with `Retry-After`, counted on `/metrics`, and logged (without the person's name) the first time a certificate or
//! an agency is held back after being served.
//!
//! Kept in memory by each server: with several gateways behind a balancer, each allows the rates in full.

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use prometheus::{IntCounterVec, Opts};
use serde::{Deserialize, Serialize};

use crate::domain::AgencyName;
use crate::error::{ApiError, ErrorKind};
use crate::identity::{Caller, PeerIdentity};

/// A sustained rate and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    fn quota(self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }
}

/// The limits a server holds practitioners to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestLimits {
    /// Each certificate (each practitioner): ten a second sustained, a page's worth of bursts.
    #[serde(default = "default_per_certificate")]
    pub per_certificate: Rate,
    /// All of one agency's practitioners together.
    #[serde(default = "default_per_agency")]
    pub per_agency: Rate,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self { per_certificate: default_per_certificate(), per_agency: default_per_agency() }
    }
}

impl RequestLimits {
    /// Rates no client reaches (u32::MAX a minute): for the load test alone.
    pub fn none_worth_counting() -> Self {
        let most = Rate { per_minute: NonZeroU32::MAX, burst: NonZeroU32::MAX };
        Self { per_certificate: most, per_agency: most }
    }
}

fn default_per_certificate() -> Rate {
    Rate {
        per_minute: NonZeroU32::new(600).unwrap_or(NonZeroU32::MIN),
        burst: NonZeroU32::new(120).unwrap_or(NonZeroU32::MIN),
    }
}

fn default_per_agency() -> Rate {
    Rate {
        per_minute: NonZeroU32::new(6000).unwrap_or(NonZeroU32::MIN),
        burst: NonZeroU32::new(600).unwrap_or(NonZeroU32::MIN),
    }
}

/// Which limit held a request back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Scope {
    Certificate,
    Agency,
}

/// The buckets, and who is being held back now (so that a burst of refusals is logged once).
pub struct Limiter {
    /// Keyed by the certificate's serial and by the agency, as the identity holds them (nothing is copied for a
    /// request within its rates).
    certificates: DefaultKeyedRateLimiter<String>,
    agencies: DefaultKeyedRateLimiter<AgencyName>,
    held_back: Mutex<HashSet<(Scope, String)>>,
    /// Whether `held_back` has anyone: a request within its rates then takes no lock.
    anyone_held_back: AtomicBool,
    refused: IntCounterVec,
}

impl Limiter {
    pub fn new(limits: &RequestLimits) -> Result<Arc<Self>, prometheus::Error> {
        let refused = IntCounterVec::new(
            Opts::new(
                "sharegate_requests_limited_total",
                "Requests refused with 429: over a certificate's or an agency's rate",
            ),
            &["scope"],
        )?;
        Ok(Arc::new(Self {
            certificates: RateLimiter::keyed(limits.per_certificate.quota()),
            agencies: RateLimiter::keyed(limits.per_agency.quota()),
            held_back: Mutex::default(),
            anyone_held_back: AtomicBool::new(false),
            refused,
        }))
    }

    pub fn collector(&self) -> Box<dyn prometheus::core::Collector> {
        Box::new(self.refused.clone())
    }

    /// Takes a request from the caller's buckets, or says how long to wait.
    fn admit(&self, serial: &String, agency: &AgencyName) -> Result<(), (Scope, u64)> {
        let refusal = self
            .certificates
            .check_key(serial)
            .map_err(|not_until| (Scope::Certificate, not_until))
            .and_then(|()| self.agencies.check_key(agency).map_err(|not_until| (Scope::Agency, not_until)));
        match refusal {
            Ok(()) => {
                if self.anyone_held_back.load(Ordering::Relaxed) {
                    let mut held_back = self.held_back.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    held_back.remove(&(Scope::Certificate, serial.clone()));
                    held_back.remove(&(Scope::Agency, agency.to_string()));
                    self.anyone_held_back.store(!held_back.is_empty(), Ordering::Relaxed);
                }
                Ok(())
            }
            Err((scope, not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let name: &'static str = scope.into();
                self.refused.with_label_values(&[name]).inc();
                let key = match scope {
                    Scope::Certificate => serial.clone(),
                    Scope::Agency => agency.to_string(),
                };
                let mut held_back = self.held_back.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if held_back.insert((scope, key)) {
                    tracing::warn!(scope = name, agency = %agency, "requests over the limit: refused with 429 until the rate falls");
                }
                self.anyone_held_back.store(true, Ordering::Relaxed);
                // Whole seconds, rounded up: `Retry-After` has no fractions, and 0 would invite an immediate retry.
                Err((scope, wait.as_secs() + 1))
            }
        }
    }
}

/// The middleware: a practitioner's request over its certificate's or agency's rate is refused before any work.
pub async fn limit_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // `serve` registers the limiter as an option: none on a node.
    let limiter = req.app_data::<Option<actix_web::web::Data<Limiter>>>().cloned().flatten();
    let verdict = match (limiter, req.conn_data::<PeerIdentity>()) {
        (Some(limiter), Some(PeerIdentity(Ok(Caller::Practitioner(who))))) => limiter.admit(&who.serial, &who.agency),
        // Anyone else is refused by the door or the extractors, or is the gateway calling a node.
        _ => Ok(()),
    };
    match verdict {
        Ok(()) => next.call(req).await.map(ServiceResponse::map_into_left_body),
        Err((scope, seconds)) => {
            let whose = match scope {
                Scope::Certificate => "this certificate",
                Scope::Agency => "this agency's practitioners",
            };
            let error = ApiError::new(
                ErrorKind::TooManyRequests,
                format!("too many requests from {whose}: try again in {seconds} s"),
            );
            let mut refused = req.error_response(error);
            refused.response_mut().headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
            Ok(refused.map_into_right_body())
        }
    }
}
