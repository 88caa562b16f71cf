#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| motcua_domain::fuzzing::multipart(data));
