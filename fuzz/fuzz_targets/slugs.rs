//! Slugs, hashtag slugs and section anchors.
//! The properties are in `iconocast::fuzzing::slugs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iconocast::fuzzing::slugs(data));
