//! The plain-text import: an article within the editor's limits, or an error at a line.
//! The properties are in `iconocast::fuzzing::import`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iconocast::fuzzing::import(data));
