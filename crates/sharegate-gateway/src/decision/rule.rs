//! One rule of the need-to-know policy, as the loader reads it from `policy.csv` and the index compiles it.

/// The field value that matches anything.
pub const WILDCARD: &str = "*";
/// The file the rules are read from, as a rule's reference names it.
pub(super) const POLICY_FILE: &str = "policy.csv";

/// Allow or deny, as a rule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One `p` line of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its place among the `p` lines, 0-based: casbin's order.
    pub position: usize,
    /// Its line in `policy.csv`, 1-based.
    pub line: usize,
    /// The seven fields as casbin holds them: role, agency, category, purpose, basis, effect, endorsement.
    pub fields: Vec<String>,
    pub effect: Effect,
    /// A decision not to seek consent counts under this rule only once endorsed by a manager.
    pub needs_endorsement: bool,
    /// A `consent` rule whose last field is `requester-consent`: a consent the requester's own agency recorded
    /// covers the category without the holder confirming it (never for special category data).
    pub requester_consent_suffices: bool,
    /// The comment above the rule.
    pub reason: String,
}

impl Rule {
    /// `policy.csv:34 (p, investigator, police, …)`: how decisions and the log name the rule.
    pub fn reference(&self) -> String {
        format!("{POLICY_FILE}:{} (p, {})", self.line, self.fields.join(", "))
    }
}

/// One `g` line: `role` can do what `inherits` can, in `agency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLine {
    /// Its line in `policy.csv`, 1-based (0 when casbin holds it but the file's text could not be matched).
    pub line: usize,
    pub role: String,
    pub inherits: String,
    pub agency: String,
}

impl RoleLine {
    /// `policy.csv:17 (g, manager, investigator, police)`.
    pub fn reference(&self) -> String {
        format!("{POLICY_FILE}:{} (g, {}, {}, {})", self.line, self.role, self.inherits, self.agency)
    }
}
