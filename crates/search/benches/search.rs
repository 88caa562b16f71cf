//! Catalogue search over 10,000 generated procedures: index build time, and query
//! latency percentiles (p50, p99) over 1,000 timed queries of mixed kinds.
//! Run: `cargo bench -p motcua-search --bench search` (add `-- --quick` for criterion's part).

use criterion::{Criterion, criterion_group, criterion_main};
use motcua_domain::procedure::{Level, OnlineLevel};
use motcua_search::{CatalogueDoc, CatalogueIndex, SearchQuery};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PROCEDURES: usize = 10_000;
const TIMED_QUERIES: usize = 1_000;

const ACTIONS: [&str; 12] = [
    "Đăng ký",
    "Cấp",
    "Cấp đổi",
    "Cấp lại",
    "Điều chỉnh",
    "Gia hạn",
    "Thẩm định",
    "Xác nhận",
    "Chứng thực",
    "Thông báo",
    "Hỗ trợ",
    "Thu hồi",
];
const OBJECTS: [&str; 16] = [
    "khai sinh",
    "kết hôn",
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "hộ kinh doanh",
    "trợ cấp xã hội hằng tháng",
    "chứng chỉ hành nghề",
    "giấy phép môi trường",
    "bản sao từ bản chính",
    "phiếu lý lịch tư pháp",
    "an toàn thực phẩm",
    "văn bằng, chứng chỉ",
    "giấy phép lao động",
    "thuê đất",
    "miễn thuế",
    "bảo trợ xã hội",
];
const QUALIFIERS: [&str; 8] = [
    "",
    "có yếu tố nước ngoài",
    "cho công dân Việt Nam",
    "đối với nhà ở riêng lẻ",
    "trong trường hợp bị mất, hỏng",
    "cho doanh nghiệp nhỏ và vừa",
    "tại khu công nghiệp",
    "lần đầu",
];
const SECTORS: [&str; 10] = [
    "ho_tich",
    "chung_thuc",
    "dat_dai",
    "xay_dung",
    "kinh_doanh",
    "bao_tro_xa_hoi",
    "moi_truong",
    "giao_duc",
    "lao_dong",
    "an_toan_thuc_pham",
];

/// Deterministic pseudo-random numbers (xorshift64).
fn random_numbers(count: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect()
}

fn catalogue() -> Vec<CatalogueDoc> {
    random_numbers(PROCEDURES, 0x9E37_79B9_7F4A_7C15)
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let pick = |len: usize, shift: u32| (n >> shift) as usize % len;
            let name = format!(
                "{} {} {}",
                ACTIONS[pick(ACTIONS.len(), 0)],
                OBJECTS[pick(OBJECTS.len(), 8)],
                QUALIFIERS[pick(QUALIFIERS.len(), 16)]
            );
            let level = if n >> 24 & 1 == 0 {
                Level::Province
            } else {
                Level::Commune
            };
            CatalogueDoc {
                code: format!("{}.{:06}", 1 + i % 2, i),
                name: name.trim().to_owned(),
                sector: SECTORS[pick(SECTORS.len(), 28)].into(),
                sector_name: SECTORS[pick(SECTORS.len(), 28)].replace('_', " "),
                levels: vec![level],
                agencies: vec![format!("000.00.{:02}.H37", pick(9, 32))],
                agency_label: String::new(),
                online_level: [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None]
                    [pick(3, 36)],
                version_no: 1,
                extra: format!("Nghị định số {}/2025/NĐ-CP", 100 + pick(50, 40)),
            }
        })
        .collect()
}

fn queries() -> Vec<SearchQuery> {
    let texts = [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "giay phep xay dung",
        "cấp đổi giấy chứng nhận",
        "thuê đất",
        "thue",
        "ho kinh doanh",
        "tro cap xa hoi hang thang",
        "chứng thực bản sao",
        "1.000494",
        "ly lich tu ph",
        "an toan thuc pham",
        "nghi dinh 120",
        "",
    ];
    random_numbers(TIMED_QUERIES, 42)
        .into_iter()
        .map(|n| SearchQuery {
            text: texts[n as usize % texts.len()].into(),
            level: (n >> 8 & 3 == 0).then_some(Level::Commune),
            sector: (n >> 10 & 7 == 0).then(|| SECTORS[(n >> 13) as usize % SECTORS.len()].into()),
            online: (n >> 17 & 3 == 0).then_some(OnlineLevel::Full),
            page: 1 + (n >> 20) as usize % 3,
            per_page: 20,
            ..SearchQuery::default()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The percentiles the issue asks for, printed plainly.
fn report_percentiles() {
    let docs = catalogue();
    let mut builds = Vec::new();
    for _ in 0..5 {
        let docs = docs.clone();
        let start = Instant::now();
        black_box(CatalogueIndex::build(docs).unwrap());
        builds.push(start.elapsed());
    }
    builds.sort();
    let index = CatalogueIndex::build(docs).unwrap();
    let queries = queries();
    for q in queries.iter().take(100) {
        black_box(index.search(q).unwrap());
    }
    let mut by_text: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut times: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            black_box(index.search(q).unwrap());
            let took = start.elapsed();
            by_text.entry(q.text.as_str()).or_default().push(took);
            took
        })
        .collect();
    times.sort();
    // Which kinds of query make the tail.
    for (text, list) in &mut by_text {
        list.sort();
        println!(
            "  {:<28} {:>4} queries  p50 {:.3} ms  max {:.3} ms",
            format!("{text:?}"),
            list.len(),
            percentile(list, 50.0).as_secs_f64() * 1e3,
            list[list.len() - 1].as_secs_f64() * 1e3,
        );
    }
    println!(
        "catalogue search over {PROCEDURES} procedures: index build median {:.1} ms (min {:.1} ms, 5 runs); \
         {TIMED_QUERIES} queries p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        percentile(&builds, 50.0).as_secs_f64() * 1e3,
        builds[0].as_secs_f64() * 1e3,
        percentile(&times, 50.0).as_secs_f64() * 1e3,
        percentile(&times, 99.0).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}

fn bench(c: &mut Criterion) {
    report_percentiles();
    let docs = catalogue();
    let mut group = c.benchmark_group("catalogue");
    group.sample_size(10);
    group.bench_function("build_10k", |b| {
        b.iter(|| CatalogueIndex::build(black_box(docs.clone())).unwrap())
    });
    group.finish();
    let index = CatalogueIndex::build(docs).unwrap();
    let folded = SearchQuery {
        text: "dang ky khai sinh".into(),
        ..SearchQuery::default()
    };
    let filtered = SearchQuery {
        text: "giấy phép".into(),
        level: Some(Level::Province),
        online: Some(OnlineLevel::Full),
        ..SearchQuery::default()
    };
    c.bench_function("search_folded_10k", |b| {
        b.iter(|| index.search(black_box(&folded)).unwrap())
    });
    c.bench_function("search_exact_filtered_10k", |b| {
        b.iter(|| index.search(black_box(&filtered)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
