//! Structured logs with tracing: human-readable by default, JSON with `SHAREGATE_LOG_FORMAT=json`; the filter comes
//! from `SHAREGATE_LOG` (e.g. `info`, `sharegate=debug`). Logs never carry record content, certificates or keys.

use tracing_subscriber::EnvFilter;

pub fn init() {
    // actix announces every worker it starts and stops; that is noise unless asked for.
    let filter = EnvFilter::try_from_env("SHAREGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let json = std::env::var("SHAREGATE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // try_init: a second call (tests, the demo starting several servers) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
