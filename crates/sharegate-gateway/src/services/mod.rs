//! The gateway's services: the rules of each thing it does, between the routes (which parse a request and shape
//! its answer) and what they use — the decision, the nodes, the log, the store. The API and the console call the
//! same service, so a rule is written once.
//!
//! - [`sharing`]: a request's way once parsed — decide, fetch, redact, log, then answer (`/v1/requests`,
//!   discovery, meeting packs);
//! - [`register`]: the consent register (¶26, ¶33–34);
//! - [`meetings`]: core group meetings (¶26, ¶32).

pub mod meetings;
pub mod register;
pub mod sharing;
