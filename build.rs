//! The test suite's environment as compile-time switches, so that a test whose environment is missing is reported
//! by `cargo test` as ignored, with why — never passed silently. `bash .ci/run` sets them all.
//! - `SHAREGATE_TEST_DATABASE_URL` (a PostgreSQL server) → `cfg(postgres_tests)`, and, when it asks for
//!   `sslmode=verify-full`, `cfg(postgres_tls_tests)` (a server made by `.ci/postgres-tls`);
//! - `SHAREGATE_TEST_CHROMIUM` (a Chromium binary) → `cfg(browser_tests)`;
//! - `SHAREGATE_TEST_AXE` (axe-core's `axe.min.js`, from npm) → `cfg(axe_tests)`;
//! - `SHAREGATE_TEST_FHIR_PYTHON` (a Python with `fhir.resources` 6.4, FHIR R4) → `cfg(fhir_tests)`;
//! - `SHAREGATE_TEST_DISK_FAULTS` (the tests may make files immutable and mount a tmpfs: root) →
//!   `cfg(disk_fault_tests)`.

fn main() {
    for (variable, switch) in [
        ("SHAREGATE_TEST_DATABASE_URL", "postgres_tests"),
        ("SHAREGATE_TEST_CHROMIUM", "browser_tests"),
        ("SHAREGATE_TEST_AXE", "axe_tests"),
        ("SHAREGATE_TEST_FHIR_PYTHON", "fhir_tests"),
        ("SHAREGATE_TEST_DISK_FAULTS", "disk_fault_tests"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({switch})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var_os(variable).is_some_and(|value| !value.is_empty()) {
            println!("cargo::rustc-cfg={switch}");
        }
    }
    println!("cargo::rustc-check-cfg=cfg(postgres_tls_tests)");
    if std::env::var("SHAREGATE_TEST_DATABASE_URL").is_ok_and(|url| url.contains("sslmode=verify-full")) {
        println!("cargo::rustc-cfg=postgres_tls_tests");
    }
}
