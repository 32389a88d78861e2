//! Roles with powers of their own, as handler arguments: a handler that needs a DPO takes a [`Dpo`], one that needs
//! a manager a [`Manager`], a coordinator a [`Coordinator`]. The check is made once, here, before the handler runs,
//! and a handler cannot forget it. (Which agency the person must belong to is the handler's rule: it depends on the
//! thing acted on.)

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::Identity;
use crate::error::ApiError;

/// Data-protection officers: they review what is shared, and never act in their agency's casework.
pub const DPO: &str = "dpo";
/// Managers: they endorse decisions not to seek consent, and a meeting's decisions.
pub const MANAGER: &str = "manager";
/// Core group coordinators: they convene and run core group meetings.
pub const COORDINATOR: &str = "coordinator";

macro_rules! role {
    ($(#[$doc:meta])* $name:ident, $role:expr, $refusal:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Identity);

        impl $name {
            /// `identity`, if it holds this role.
            pub fn of(identity: Identity) -> Result<Self, ApiError> {
                if identity.role.as_str() == $role { Ok(Self(identity)) } else { Err(ApiError::forbidden($refusal)) }
            }
        }

        impl Deref for $name {
            type Target = Identity;
            fn deref(&self) -> &Identity {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                ready(Identity::from_request(req, payload).into_inner().and_then(Self::of))
            }
        }
    };
}

role!(
    /// A data-protection officer.
    Dpo,
    DPO,
    "this is for data-protection officers"
);
role!(
    /// A manager.
    Manager,
    MANAGER,
    "this is for managers"
);
role!(
    /// A core group coordinator.
    Coordinator,
    COORDINATOR,
    "this is for core group coordinators"
);
