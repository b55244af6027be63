//! The editor's form: urlencoded body, checks and limits, sent back unchanged.
//! The properties are in `iconocast::fuzzing::editor_form`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iconocast::fuzzing::editor_form(data));
