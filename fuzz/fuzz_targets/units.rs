#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| motcua_exchange::fuzzing::units(data));
