#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use super::*;
use sharegate_core::certs::Layout;
use sharegate_core::domain::AgencyName;

/// A configuration whose police record key is `police_key`, written to `file` and read back as the gateway reads it.
fn configured(file: &Path, police_key: &Path, change: impl FnOnce(&mut GatewayConfig)) -> GatewayConfig {
    let dir = file.parent().unwrap();
    let mut config = GatewayConfig::on_certs(&Layout::new(dir));
    for (agency, entry) in &mut config.agencies {
        entry.record_keys = vec![if agency.as_str() == "police" { police_key.to_owned() } else { key(dir, "other") }];
    }
    change(&mut config);
    std::fs::write(file, toml::to_string(&config).unwrap()).unwrap();
    GatewayConfig::load(Some(file)).unwrap()
}

/// The public half of a key named `name` in `dir`, made the first time it is asked for.
fn key(dir: &Path, name: &str) -> PathBuf {
    let public = dir.join(name).with_extension("pub");
    if !public.exists() {
        sharegate_core::certs::new_signing_key(&dir.join(name).with_extension("key")).unwrap();
    }
    public
}

fn in_force(shared: &SharedRecordKeys, config: &GatewayConfig) -> bool {
    shared.current().same_keys(&read_record_keys(config).unwrap())
}

#[test]
fn a_reload_puts_the_configurations_keys_in_force_and_a_bad_one_keeps_those_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let (old, new) = (key(dir.path(), "police-2026"), key(dir.path(), "police-2027"));
    let started = configured(&file, &old, |_| {});
    assert_eq!(started.source.as_deref(), Some(file.as_path()));
    let keys = ConfiguredKeys {
        record_keys: Arc::new(SharedRecordKeys::new(read_record_keys(&started).unwrap())),
        witness_keys: Arc::new(WitnessKeys::new(BTreeMap::new())),
        started: started.clone(),
    };
    let shared = &keys.record_keys;
    let nothing = Changed { record_keys: false, witness_keys: false };
    assert_eq!(reload(&keys).unwrap(), nothing, "the same keys: nothing changes");

    let rotated = configured(&file, &new, |_| {});
    assert_eq!(reload(&keys).unwrap(), Changed { record_keys: true, witness_keys: false }, "police's new key");
    assert!(in_force(shared, &rotated));
    assert!(!in_force(shared, &started));

    configured(&file, &new, |c| c.node_timeout_ms = 9000);
    assert_eq!(reload(&keys).unwrap(), nothing, "another setting is left for the restart");
    assert!(in_force(shared, &rotated));

    let missing = dir.path().join("police-2028.pub");
    let mut config = rotated.clone();
    config.agencies.get_mut(&AgencyName::parse("police").unwrap()).unwrap().record_keys = vec![missing.clone()];
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    let failed = reload(&keys).unwrap_err();
    assert!(matches!(failed, ReloadError::Keys(_)) && failed.to_string().contains("police"), "{failed}");
    assert!(in_force(shared, &rotated), "the keys in force stay");

    configured(&file, &new, |c| {
        c.agencies.remove(&AgencyName::parse("health").unwrap());
        c.categories.retain(|category| category.holder().as_str() != "health");
    });
    assert!(matches!(reload(&keys), Err(ReloadError::Agencies)));
    std::fs::write(&file, "this is not toml").unwrap();
    assert!(matches!(reload(&keys), Err(ReloadError::Config(_))));
    assert!(in_force(shared, &rotated), "the keys in force stay");
}

/// An agency's witness is added, and a witness key that cannot be read keeps every key in force: both or neither.
#[test]
fn a_reload_takes_a_witness_key_and_a_bad_one_changes_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let (old, new) = (key(dir.path(), "police-2026"), key(dir.path(), "police-2027"));
    let police = AgencyName::parse("police").unwrap();
    let started = configured(&file, &old, |_| {});
    let keys = ConfiguredKeys {
        record_keys: Arc::new(SharedRecordKeys::new(read_record_keys(&started).unwrap())),
        witness_keys: Arc::new(WitnessKeys::new(BTreeMap::new())),
        started: started.clone(),
    };
    let witness = key(dir.path(), "police-witness");
    configured(&file, &old, |c| c.agencies.get_mut(&police).unwrap().witness_key = Some(witness.clone()));
    assert_eq!(reload(&keys).unwrap(), Changed { record_keys: false, witness_keys: true });
    let expected = sharegate_core::signing::load_public(&witness).unwrap();
    assert_eq!(keys.witness_keys.of(&police), Some(expected));

    let missing = dir.path().join("nowhere.pub");
    configured(&file, &new, |c| c.agencies.get_mut(&police).unwrap().witness_key = Some(missing.clone()));
    let failed = reload(&keys).unwrap_err();
    assert!(failed.to_string().contains("agencies.police.witness_key"), "{failed}");
    assert!(in_force(&keys.record_keys, &started), "police's new record key waits for a witness key that reads");
    assert_eq!(keys.witness_keys.of(&police), Some(expected));
}
