//! The search query reducer: `?q=` to FTS5 and tsquery expressions.
//! The properties are in `iconocast::fuzzing::search_query`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iconocast::fuzzing::search_query(data));
