//! The federation's names in words a family reads: `social_care` is "children's social care", `children_act_1989_s47`
//! is "under section 47 of the Children Act 1989 (a child protection enquiry)". A name without words of its own is
//! written with spaces for its underscores.

use sharegate_core::domain::Category;

fn spaced(name: &str) -> String {
    name.replace('_', " ")
}

/// An agency, as "the school", "the police".
pub fn agency(name: &str) -> String {
    match name {
        "police" => "the police".into(),
        "health" => "health services (the NHS)".into(),
        "education" => "the school".into(),
        "social_care" => "children's social care".into(),
        other => spaced(other),
    }
}

/// A role, with its article: "a social worker".
pub fn role(name: &str) -> String {
    match name {
        "dsl" => "the designated safeguarding lead".into(),
        "dpo" => "the data-protection officer".into(),
        "investigator" => "a police investigator".into(),
        "coordinator" => "the coordinator of the child's core group".into(),
        other => {
            let words = spaced(other);
            let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {words}")
        }
    }
}

/// A category: "attendance records held by the school".
pub fn category(category: &Category) -> String {
    let holder = category.holder().as_str();
    let kind = category.as_str().strip_prefix(holder).and_then(|k| k.strip_prefix('.')).unwrap_or(category.as_str());
    format!("{} records held by {}", spaced(kind), agency(holder))
}

/// Why: "to keep Lily safe".
pub fn purpose(name: &str, child: &str) -> String {
    match name {
        "safeguarding" => format!("to keep {child} safe"),
        "child_protection_enquiry" => format!("for an enquiry into whether {child} is at risk of harm"),
        "core_group" => format!("for a meeting of the professionals who support {child} (the core group)"),
        "subject_access" => "to answer a request to see these records".into(),
        other => format!("for {}", spaced(other)),
    }
}

/// On what basis: "with consent", "under section 47 of the Children Act 1989 (a child protection enquiry)".
pub fn basis(name: &str) -> String {
    match name {
        "consent" => "with consent".into(),
        "children_act_1989_s47" => "under section 47 of the Children Act 1989 (a child protection enquiry)".into(),
        "children_act_2004_s10" => "under section 10 of the Children Act 2004 (agencies working together)".into(),
        "children_act_2004_s11" => "under section 11 of the Children Act 2004 (the duty to keep children safe)".into(),
        "crime_and_disorder_act_1998_s115" => "under section 115 of the Crime and Disorder Act 1998".into(),
        "uk_gdpr_article_15" => "under Article 15 of the UK GDPR (the right to see one's records)".into(),
        other => format!("under {}", spaced(other)),
    }
}

/// A list as a sentence says it: "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Who someone is to the child: "parent", "young person".
pub fn relationship(relationship: crate::register::Relationship) -> String {
    serde_json::to_value(relationship).ok().and_then(|v| v.as_str().map(spaced)).unwrap_or_default()
}
