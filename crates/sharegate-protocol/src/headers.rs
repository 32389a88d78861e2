//! What the gateway says with every read it makes of a node. The node keeps it in its access register, so every
//! agency can see who asked for its records and why; a gateway read without them is refused.

/// The disclosure the read serves (the gateway's log entry id).
pub const DISCLOSURE_HEADER: &str = "Sharegate-Disclosure-Id";
/// Who asked: `agency/role`.
pub const REQUESTER_HEADER: &str = "Sharegate-Requester";
/// Why: one of the federation's purposes.
pub const PURPOSE_HEADER: &str = "Sharegate-Purpose";
/// The NHS number of the child the gateway asks about: the node refuses a read whose reference it knows to belong to
/// another child.
pub const SUBJECT_HEADER: &str = "Sharegate-Subject-Nhs-Number";
