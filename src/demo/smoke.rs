//! `sharegate demo --smoke`: a scripted story through the public API. Each step says what should happen; the
//! run passes only if every step does.

use actix_web::dev::ServerHandle;
use serde_json::{Value, json};

use super::case::NHS_NUMBER;
use super::client::{Answer, DemoClient, at};

fn ask(categories: &[&str], purpose: &str, basis: &str) -> Value {
    json!({"subject": NHS_NUMBER, "categories": categories, "purpose": purpose, "lawful_basis": basis,
        "reason": "Smoke test: the demo's scripted story."})
}

/// One step's verdict: what was checked, and whether it held.
struct Step {
    says: &'static str,
    held: anyhow::Result<()>,
}

fn check(answer: &Answer, status: u16, also: impl FnOnce(&Value) -> anyhow::Result<()>) -> anyhow::Result<()> {
    if answer.status != status {
        return Err(anyhow::anyhow!("expected {status}, got {}: {}", answer.status, answer.body));
    }
    also(&answer.body)
}

fn has(ok: bool, what: &str, body: &Value) -> anyhow::Result<()> {
    if ok { Ok(()) } else { Err(anyhow::anyhow!("{what}: {body}")) }
}

/// Plays the story; `education` is the education node's handle, stopped for the last steps.
pub async fn play(client: &DemoClient, subject: &str, education: ServerHandle) -> anyhow::Result<()> {
    let requests = client.at_gateway("/v1/requests");
    let mut steps = Vec::new();

    let granted = client
        .post("social_care-social_worker", &requests, &ask(&["education.attendance"], "safeguarding", "consent"))
        .await?;
    let disclosure = at(&granted.body, "/disclosure_id").as_str().unwrap_or_default().to_owned();
    steps.push(Step {
        says: "a social worker asking for school attendance under the mother's consent is granted",
        held: check(&granted, 200, |b| {
            has(
                at(b, "/records/0/category") == "education.attendance" && at(b, "/partial") == false,
                "one attendance record",
                b,
            )
        }),
    });

    let refused = client
        .post("police-investigator", &requests, &ask(&["health.mental_health"], "safeguarding", "consent"))
        .await?;
    steps.push(Step {
        says: "a police investigator asking for mental-health records with no consent is refused, with a reason",
        held: check(&refused, 403, |b| {
            has(
                at(b, "/refused/0/why").as_str().is_some_and(|w| w.contains("consent")) && b.get("records").is_none(),
                "a reason and no records",
                b,
            )
        }),
    });

    let refusal = at(&refused.body, "/disclosure_id").as_str().unwrap_or_default().to_owned();
    let (status, console) = client.page("police-dpo", &client.at_gateway("/console")).await?;
    steps.push(Step {
        says: "the police DPO's console lists that refusal for review",
        held: if status == 200 && !refusal.is_empty() && console.contains(&format!("/console/disclosures/{refusal}")) {
            Ok(())
        } else {
            Err(anyhow::anyhow!("expected the review queue listing {refusal}, got {status}"))
        },
    });

    let s115 = client
        .post(
            "police-investigator",
            &requests,
            &ask(&["health.mental_health"], "crime_prevention", "crime_and_disorder_act_1998_s115"),
        )
        .await?;
    steps.push(Step {
        says: "the same records under health's endorsed Crime and Disorder Act s115 decision are granted",
        held: check(&s115, 200, |b| {
            has(at(b, "/records/0/category") == "health.mental_health", "the mental-health record", b)
        }),
    });

    let intelligence = client
        .post("education-dsl", &requests, &ask(&["police.intelligence"], "safeguarding", "dpa_2018_safeguarding"))
        .await?;
    steps.push(Step {
        says: "a school's DSL is never given police intelligence",
        held: check(&intelligence, 403, |b| {
            has(at(b, "/refused/0/agency") == "police", "refused by police's category", b)
        }),
    });

    let holders = client
        .post(
            "social_care-social_worker",
            &client.at_gateway(&format!("/v1/subjects/{subject}/holders")),
            &json!({"purpose": "safeguarding", "lawful_basis": "consent", "reason": "Who else knows this child?"}),
        )
        .await?;
    steps.push(Step {
        says: "discovery says which agencies hold what, without content",
        held: check(&holders, 200, |b| {
            has(
                at(b, "/holders").as_array().is_some_and(|h| h.iter().any(|x| at(x, "/agency") == "education"))
                    && !b.to_string().contains("82%"),
                "education listed, no content",
                b,
            )
        }),
    });

    let register = client.get("education-dpo", &client.node("education", "/v1/access-register")).await?;
    steps.push(Step {
        says: "the school's DPO sees the gateway's read in the access register, with its disclosure id",
        held: check(&register, 200, |b| {
            has(
                b.as_array().is_some_and(|r| r.iter().any(|e| at(e, "/disclosure_id") == disclosure.as_str())),
                "the first disclosure",
                b,
            )
        }),
    });

    let meeting = client
        .post(
            "social_care-coordinator",
            &client.at_gateway("/v1/meetings"),
            &json!({"subject": NHS_NUMBER, "scheduled_for": super::tomorrow_morning(), "invited": ["police", "health", "education"]}),
        )
        .await?;
    let meeting_id = at(&meeting.body, "/id").as_str().unwrap_or_default().to_owned();
    let view = client
        .post(
            "health-health_visitor",
            &client.at_gateway(&format!("/v1/meetings/{meeting_id}/views")),
            &json!({"text": "Cannot attend: two missed appointments since October.", "absent": true}),
        )
        .await?;
    let pack = client.get("education-dsl", &client.at_gateway(&format!("/v1/meetings/{meeting_id}/pack"))).await?;
    steps.push(Step {
        says: "a core group meeting's pack gathers each invited agency's part and the view of an absent health visitor",
        held: check(&meeting, 201, |_| Ok(())).and_then(|()| check(&view, 201, |_| Ok(()))).and_then(|()| {
            check(&pack, 200, |b| {
                has(
                    at(b, "/parts").as_array().is_some_and(|p| p.len() == 4)
                        && at(b, "/meeting/views/0/absent") == true,
                    "four parts and the absent view",
                    b,
                )
            })
        }),
    });

    education.stop(true).await;
    let partial = client
        .post("social_care-social_worker", &requests, &ask(&["education.attendance"], "safeguarding", "consent"))
        .await?;
    steps.push(Step {
        says: "with the school's node stopped, the same request is a partial answer, not a hang",
        held: check(&partial, 200, |b| {
            let education = at(b, "/agencies")
                .as_array()
                .and_then(|a| a.iter().find(|x| at(x, "/agency") == "education"))
                .cloned()
                .unwrap_or_default();
            has(
                at(b, "/partial") == true && at(&education, "/status") == "unreachable",
                "partial, education unreachable",
                b,
            )
        }),
    });

    let mut failed = 0;
    for step in &steps {
        match &step.held {
            Ok(()) => println!("  ok   {}", step.says),
            Err(why) => {
                failed += 1;
                println!("  FAIL {}\n       {why:#}", step.says);
            }
        }
    }
    match failed {
        0 => {
            println!("smoke: all {} steps held", steps.len());
            Ok(())
        }
        n => Err(anyhow::anyhow!("smoke: {n} of {} steps failed", steps.len())),
    }
}
