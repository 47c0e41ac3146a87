//! Record files come from any clone of a ledger (and act records by mail): `record::decode`
//! must refuse every non-canonical spelling without panicking, and whatever it accepts must
//! re-encode to exactly the input bytes (one byte form per record).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use undersigned::record::{
    self, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, RemovalRecord,
    RevocationRecord, VersionRecord,
};

fn check<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let r: T = record::decode(data).ok()?;
    assert_eq!(
        record::encode(&r),
        data,
        "decode accepted bytes that are not the canonical encoding"
    );
    Some(r)
}

fuzz_target!(|data: &[u8]| {
    if let Some(act) = check::<ActRecord>(data) {
        let payload = undersigned::signed_data::act_payload(&act);
        assert!(payload.starts_with(undersigned::signed_data::ACT_PAYLOAD_MAGIC.as_bytes()));
    }
    check::<KeyRecord>(data);
    check::<OrgRecord>(data);
    check::<EditorRecord>(data);
    check::<VersionRecord>(data);
    check::<LedgerRecord>(data);
    check::<RevocationRecord>(data);
    check::<RemovalRecord>(data);
});
