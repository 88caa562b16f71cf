//! Lunar conversions and due-date computations.
//! Run: `cargo bench -p motcua-domain --bench calendar -- --quick`.

use std::hint::black_box;

use chrono::{Days, NaiveDate, NaiveDateTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use motcua_domain::calendar::{
    Channel, HolidayCalendar, Pause, WORKING_DAY_MINUTES, WorkingHours, add_working_days,
    counting_start, default_holidays, due_at, lunar_to_solar, remaining_minutes, solar_to_lunar,
};

const INPUTS: usize = 1024;

/// Deterministic pseudo-random numbers (xorshift64).
fn random_numbers(count: usize) -> Vec<u64> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect()
}

fn random_dates(first: NaiveDate, span_days: u64) -> Vec<NaiveDate> {
    random_numbers(INPUTS)
        .into_iter()
        .map(|n| first + Days::new(n % span_days))
        .collect()
}

fn random_instants() -> Vec<NaiveDateTime> {
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    random_numbers(INPUTS)
        .into_iter()
        .map(|n| {
            (first + Days::new(n % (3 * 365)))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::minutes((n >> 32) as i64 % 1440)
        })
        .collect()
}

fn lunar(c: &mut Criterion) {
    let dates = random_dates(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(), 73_000);
    let lunar_dates: Vec<_> = dates.iter().map(|&d| solar_to_lunar(d).unwrap()).collect();
    let mut group = c.benchmark_group("lunar");
    group.throughput(Throughput::Elements(INPUTS as u64));
    group.bench_function("solar_to_lunar x1024", |b| {
        b.iter(|| {
            for &date in &dates {
                black_box(solar_to_lunar(black_box(date)).unwrap());
            }
        })
    });
    group.bench_function("lunar_to_solar x1024", |b| {
        b.iter(|| {
            for &date in &lunar_dates {
                black_box(lunar_to_solar(black_box(date)).unwrap());
            }
        })
    });
    group.finish();
    c.bench_function("default_holidays(2026)", |b| {
        b.iter(|| black_box(default_holidays(black_box(2026))))
    });
}

fn deadlines(c: &mut Criterion) {
    let hours = WorkingHours::default();
    let holidays = HolidayCalendar::default();
    let instants = random_instants();
    let mut group = c.benchmark_group("deadline");
    group.throughput(Throughput::Elements(INPUTS as u64));
    group.bench_function("add 15 working days x1024", |b| {
        b.iter(|| {
            for &start in &instants {
                black_box(add_working_days(black_box(start), 15, &hours, &holidays));
            }
        })
    });
    group.bench_function("counting_start + 15 days x1024", |b| {
        b.iter(|| {
            for &received in &instants {
                let start = counting_start(received, Channel::Paper, &hours, &holidays);
                black_box(add_working_days(start, 15, &hours, &holidays));
            }
        })
    });
    group.bench_function("due_at 15 days with 2 pauses x1024", |b| {
        b.iter(|| {
            for &start in &instants {
                let pauses = [
                    Pause {
                        from: start + chrono::Duration::days(2),
                        to: start + chrono::Duration::days(5),
                    },
                    Pause {
                        from: start + chrono::Duration::days(9),
                        to: start + chrono::Duration::days(10),
                    },
                ];
                black_box(due_at(
                    start,
                    15 * WORKING_DAY_MINUTES,
                    &pauses,
                    &hours,
                    &holidays,
                ));
            }
        })
    });
    group.bench_function("remaining_minutes after 10 days x1024", |b| {
        b.iter(|| {
            for &start in &instants {
                let now = start + chrono::Duration::days(10);
                black_box(remaining_minutes(
                    now,
                    start,
                    15 * WORKING_DAY_MINUTES,
                    &[],
                    &hours,
                    &holidays,
                ));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, lunar, deadlines);
criterion_main!(benches);
