//! Administrative units against the real national lists in ../shared, the API and pages
//! over the Lạng Sơn demo, and the transition from three tiers to two.

use crate::common::{Backend, TestApp, api_token, csrf_from, login};
use chrono::NaiveDate;
use motcua_app::registers::{self as import, Report};
use motcua_domain::audit::AuditEntry;
use motcua_domain::import::Recode;
use motcua_domain::transition::{Decision, PlanRules};
use motcua_domain::unit::UnitKind;
use motcua_store::{Store, UnitImportSummary};
use motcua_testkit::shared_data;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn no_progress(_: u64, _: u64) {}

const OLD_LIST: &str = "units/dvhcvn-pre2025-GPL3/dvhcvn.json";
const LIST_2025: &str = "units/thanglequoc-v3.0.2-20250701/full_json_generated_data_vn_units.json";
const LIST_2026: &str =
    "units/thanglequoc-head-2026/full_json_generated_data_vn_units_2026-07-25.json";
const MERGES: &str = "units/dvhcvn-20250701-mapping/merges.json";

async fn units_ok(store: &Store, path: &Path, from: NaiveDate) -> UnitImportSummary {
    match import::import_units(store, path, from, None, &no_progress)
        .await
        .unwrap()
    {
        Report::Done { summary, .. } => summary,
        Report::Rejected(p) => panic!("{} rejected: {:?}", path.display(), &p[..p.len().min(5)]),
    }
}

/// The whole country: the old three-tier list, the 2025 list over it, the mapping,
/// and the 2026 list over that, with the counts of DOMAIN.md §1.
async fn the_country(backend: Backend) {
    let Some(app) = TestApp::empty(backend).await else {
        return;
    };
    let store = &app.store;
    let (before, reform) = (date(2025, 6, 30), date(2025, 7, 1));
    let s = units_ok(store, &shared_data(OLD_LIST), date(2025, 3, 1)).await;
    assert_eq!(s.opened, 63 + 696 + 10_047);
    let old = store.count_units_at(before).await.unwrap();
    assert_eq!(
        old.of(UnitKind::Province) + old.of(UnitKind::CentralCity),
        63
    );
    assert_eq!(old.of(UnitKind::District), 696);
    assert_eq!(
        old.of(UnitKind::Commune) + old.of(UnitKind::Ward) + old.of(UnitKind::Township),
        10_047
    );

    let s = units_ok(store, &shared_data(LIST_2025), reform).await;
    assert_eq!(s.opened + s.unchanged, 34 + 3321, "{s:?}");
    let new = store.count_units_at(reform).await.unwrap();
    let counts = |c: &motcua_store::UnitCounts| {
        (
            c.of(UnitKind::Province) + c.of(UnitKind::CentralCity),
            c.of(UnitKind::CentralCity),
            c.of(UnitKind::Commune),
            c.of(UnitKind::Ward),
            c.of(UnitKind::SpecialZone),
            c.of(UnitKind::District) + c.of(UnitKind::Township),
        )
    };
    assert_eq!(counts(&new), (34, 6, 2621, 687, 13, 0));
    assert_eq!(new.total, 34 + 3321);
    let lang_son = store.count_child_units_at("20", reform).await.unwrap();
    assert_eq!(
        (
            lang_son.total,
            lang_son.of(UnitKind::Commune),
            lang_son.of(UnitKind::Ward)
        ),
        (65, 61, 4)
    );
    // The history is still there, and codes are units at dates.
    assert_eq!(store.count_units_at(before).await.unwrap().total, old.total);
    assert_eq!(
        store
            .unit_at("05977", before)
            .await
            .unwrap()
            .unwrap()
            .full_name,
        "Phường Vĩnh Trại"
    );
    assert_eq!(
        store
            .unit_at("05977", reform)
            .await
            .unwrap()
            .unwrap()
            .full_name,
        "Phường Đông Kinh"
    );
    // Importing the same list again changes nothing.
    let again = units_ok(store, &shared_data(LIST_2025), reform).await;
    assert_eq!(
        (again.opened, again.closed, again.unchanged),
        (0, 0, 34 + 3321)
    );

    // The mapping: as published, two of its new codes disagree with the 2025 list
    // (the official 1027/CTK-CSCL codes 06970 and 23737), so it is refused whole.
    let audit_before = store.verify_audit_chain().await.unwrap().events;
    let Report::Rejected(problems) =
        import::import_successions(store, &shared_data(MERGES), reform, None, &[], &no_progress)
            .await
            .unwrap()
    else {
        panic!("the published mapping names units the 2025 list does not have");
    };
    let mut codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
    codes.dedup();
    assert_eq!(codes, ["06970", "23737"], "{problems:?}");
    assert_eq!(
        problems.len(),
        6,
        "one problem per link into an unknown unit"
    );
    assert!(problems.iter().all(|p| p.source.starts_with("data[")));
    assert_eq!(store.count_successions().await.unwrap(), 0);
    assert_eq!(
        store.verify_audit_chain().await.unwrap().events,
        audit_before
    );
    // A recode that touches nothing (a typo) refuses the whole file too.
    let recode = |s: &str| s.parse::<Recode>().unwrap();
    let merges = shared_data(MERGES);
    let typo = [recode("06970=06978"), recode("23773=23938")];
    let Report::Rejected(problems) =
        import::import_successions(store, &merges, reform, None, &typo, &no_progress)
            .await
            .unwrap()
    else {
        panic!("an unused recode must be refused");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].source.as_str(), problems[0].code.as_str()),
        ("--recode", "23773=23938")
    );
    assert_eq!(store.count_successions().await.unwrap(), 0);
    assert_eq!(
        store.verify_audit_chain().await.unwrap().events,
        audit_before
    );
    // Read with those two codes as the list has them, the whole mapping goes in.
    let recodes = [recode("06970=06978"), recode("23737=23938")];
    let Report::Done { summary, rows, .. } =
        import::import_successions(store, &merges, reform, None, &recodes, &no_progress)
            .await
            .unwrap()
    else {
        panic!("the recoded mapping imports");
    };
    assert_eq!(rows, 63 + 9592 + 1012);
    assert_eq!(summary.links.added, rows);
    let touched: Vec<usize> = summary.recoded.iter().map(|(_, n)| *n).collect();
    assert_eq!(
        touched,
        [5, 1],
        "the six links the published file is refused for"
    );
    let text = import::describe_successions(&Report::Done {
        summary,
        rows,
        seconds: 0.0,
    });
    assert!(
        text.contains("Đổi mã 23737 thành 23938: 1 liên kết"),
        "{text}"
    );
    let event = store
        .audit_events_for("import:merges.json")
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(event.entry.action, "successions.imported");
    let detail: Value = serde_json::from_str(&event.entry.detail).unwrap();
    assert_eq!(
        detail["recodes"],
        serde_json::json!([
            {"old": "06970", "new": "06978", "links": 5},
            {"old": "23737", "new": "23938", "links": 1},
        ])
    );
    let dong_kinh = store.unit_at("05977", reform).await.unwrap().unwrap();
    let preds = store.predecessors(&dong_kinh).await.unwrap();
    assert!(
        preds
            .iter()
            .any(|p| p.old_unit.as_ref().unwrap().full_name == "Phường Vĩnh Trại")
    );

    // 2026: Đồng Nai becomes a centrally-run city and ten of its xã become phường.
    // Plus one real respelling, "Phó Bảng" → "Phố Bảng" (a different letter, not a tone mark).
    let s = units_ok(store, &shared_data(LIST_2026), date(2026, 4, 30)).await;
    assert_eq!((s.opened, s.closed), (12, 12), "{s:?}");
    let pho_bang = store
        .unit_at("00745", date(2026, 4, 30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pho_bang.full_name, "Xã Phố Bảng");
    assert!(
        s.respelled > 100,
        "tone-mark respellings are not changes: {s:?}"
    );
    let y2026 = store.count_units_at(date(2026, 4, 30)).await.unwrap();
    assert_eq!(counts(&y2026), (34, 7, 2611, 697, 13, 0));
    let dong_nai = |at| store.unit_at("75", at);
    assert_eq!(
        dong_nai(date(2026, 4, 29)).await.unwrap().unwrap().kind,
        UnitKind::Province
    );
    assert_eq!(
        dong_nai(date(2026, 4, 30)).await.unwrap().unwrap().kind,
        UnitKind::CentralCity
    );
    let before_2026 = store
        .count_child_units_at("75", date(2026, 4, 29))
        .await
        .unwrap();
    let after_2026 = store
        .count_child_units_at("75", date(2026, 4, 30))
        .await
        .unwrap();
    assert_eq!(before_2026.total, after_2026.total);
    assert_eq!(
        after_2026.of(UnitKind::Ward) - before_2026.of(UnitKind::Ward),
        10
    );
    // 2025 still reads as it was.
    assert_eq!(
        counts(&store.count_units_at(reform).await.unwrap()),
        (34, 6, 2621, 687, 13, 0)
    );
    app.stop().await;
}

#[tokio::test]
async fn the_country_on_sqlite() {
    the_country(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_country_on_postgres() {
    the_country(Backend::Postgres).await;
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Each kind of bad input names its row, and nothing is written.
#[tokio::test]
async fn bad_input_names_each_row_and_writes_nothing() {
    let app = TestApp::empty(Backend::Sqlite).await.unwrap();
    let store = &app.store;
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.csv",
        "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n05977,Đông Kinh,phuong,20\n06613,Xã Đình Lập,xa,20\n",
    );
    let s = units_ok(store, &good, date(2025, 7, 1)).await;
    assert_eq!(s.opened, 3);
    let unit = store
        .unit_at("05977", date(2025, 7, 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (unit.name.as_str(), unit.full_name.as_str()),
        ("Đông Kinh", "Phường Đông Kinh")
    );
    let state = |store: &Store| {
        let store = store.clone();
        async move {
            (
                store.count_units_at(date(2025, 7, 1)).await.unwrap().total,
                store.count_units_at(date(2026, 1, 1)).await.unwrap().total,
                store.count_successions().await.unwrap(),
                store.agencies(None).await.unwrap().len(),
                store.verify_audit_chain().await.unwrap().events,
            )
        }
    };
    let start = state(store).await;

    let cases: [(&str, &str, &str, &str); 5] = [
        ("malformed.json", "[{\"Code\": \"20\",", "tệp", "JSON"),
        (
            "parent.csv",
            "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n06040,Xã Mai Pha,xa,99\n",
            "dòng 3",
            "99",
        ),
        (
            "duplicate.csv",
            "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n06040,Xã Mai Pha,xa,20\n06040,Xã Mai Pha,xa,20\n",
            "dòng 4",
            "trùng",
        ),
        (
            "kind.csv",
            "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n06040,Xã Mai Pha,huyện xã,20\n",
            "dòng 3",
            "loại",
        ),
        (
            "short.csv",
            "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province\n0604,Xã Mai Pha,xa,20\n",
            "dòng 3",
            "5 chữ số",
        ),
    ];
    for (name, text, row, reason) in cases {
        let path = write(dir.path(), name, text);
        let report = import::import_units(store, &path, date(2026, 1, 1), None, &no_progress)
            .await
            .unwrap();
        let Report::Rejected(problems) = report else {
            panic!("{name} must be refused");
        };
        assert!(
            problems
                .iter()
                .any(|p| p.source == row && p.reason.contains(reason)),
            "{name}: {problems:?}"
        );
        assert_eq!(state(store).await, start, "{name} wrote something");
    }
    // Whole-file mistakes are told once, with what to do.
    let whole: [(&str, &[u8], &str); 3] = [
        ("units.xlsx", b"PK\x03\x04 a spreadsheet", "Excel"),
        (
            "semicolons.csv",
            "code;name;kind;parent_code\n20;Tỉnh Lạng Sơn;province;\n".as_bytes(),
            "chấm phẩy",
        ),
        (
            "cp1258.csv",
            b"code,name,kind,parent_code\n20,T\xecnh L\xe1ng S\xf5n,province,\n",
            "UTF-8",
        ),
    ];
    for (name, bytes, reason) in whole {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let Report::Rejected(problems) =
            import::import_units(store, &path, date(2026, 1, 1), None, &no_progress)
                .await
                .unwrap()
        else {
            panic!("{name} must be refused");
        };
        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert!(problems[0].reason.contains(reason), "{name}: {problems:?}");
    }

    let links = write(
        dir.path(),
        "links.csv",
        "old_code,new_code,link\n05977,05977,full\n06613,09999,partial\n",
    );
    let Report::Rejected(problems) =
        import::import_successions(store, &links, date(2025, 7, 1), None, &[], &no_progress)
            .await
            .unwrap()
    else {
        panic!("a link to an unknown unit must be refused");
    };
    // 05977 and 06613 did not exist the day before; 09999 does not exist at all.
    assert!(
        problems
            .iter()
            .any(|p| p.source == "dòng 3" && p.code == "09999")
    );
    assert_eq!(state(store).await, start);

    let agencies = write(
        dir.path(),
        "agencies.csv",
        "code,name,kind,unit_code,parent_code\n000.00.00.H37,UBND tỉnh,provincial_committee,20,\n000.00.0X.H37,Sở Sai,department,20,000.00.00.H37\n",
    );
    let Report::Rejected(problems) = import::import_agencies(store, &agencies).await.unwrap()
    else {
        panic!("an invalid agency identifier must be refused");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].source.as_str(), problems[0].code.as_str()),
        ("dòng 3", "000.00.0X.H37")
    );
    assert_eq!(state(store).await, start);

    // Hidden characters and line breaks inside a quoted name refuse their row, named.
    let agencies = write(
        dir.path(),
        "agencies-hidden.csv",
        "code,name,kind,unit_code,parent_code
000.00.00.H37,UBND tỉnh,provincial_committee,20,
000.00.07.H37,S\u{202E}ở X,department,20,000.00.00.H37
000.00.08.H37,\"Sở\nY\",department,20,000.00.00.H37
",
    );
    let Report::Rejected(problems) = import::import_agencies(store, &agencies).await.unwrap()
    else {
        panic!("a hidden character must be refused");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].source, "dòng 3");
    assert!(problems[0].reason.contains("U+202E"), "{problems:?}");
    assert!(problems[1].reason.contains("xuống dòng"), "{problems:?}");
    assert_eq!(state(store).await, start);
    app.stop().await;
}

/// The binary: a summary at the end, every bad row on standard error, exit code 2.
#[tokio::test]
async fn the_import_command_reports_a_summary_or_the_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    let good = write(
        dir.path(),
        "lang_son.csv",
        "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n05977,Phường Đông Kinh,phuong,20\n",
    );
    let out = run(&[
        "import",
        "units",
        good.to_str().unwrap(),
        "--valid-from",
        "2025-07-01",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 opened, 0 closed, 0 unchanged"),
        "{stdout}"
    );
    let out = run(&[
        "import",
        "units",
        good.to_str().unwrap(),
        "--valid-from",
        "2025-07-01",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 opened, 0 closed, 2 unchanged"));
    let bad = write(
        dir.path(),
        "bad.csv",
        "code,name,kind,parent_code\n20,Tỉnh Lạng Sơn,province,\n06040,Xã Mai Pha,xa,99\n",
    );
    let out = run(&[
        "import",
        "units",
        bad.to_str().unwrap(),
        "--valid-from",
        "2026-01-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("dòng 3 (mã 06040)") && stderr.contains("nothing was written"),
        "{stderr}"
    );

    // `--recode`: a malformed or unused one exits 2 and writes nothing; a used one is reported.
    let events = || {
        let out = run(&["audit", "verify", "--json"]);
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["events"].clone()
    };
    let before = events();
    let links = write(
        dir.path(),
        "links.csv",
        "old_code,new_code,link\n05977,06970,full\n",
    );
    let successions = |recodes: &[&str]| {
        let mut args = vec![
            "import",
            "successions",
            links.to_str().unwrap(),
            "--effective",
            "2025-07-02",
        ];
        for r in recodes {
            args.extend(["--recode", r]);
        }
        run(&args)
    };
    let refused: [(&[&str], &str); 5] = [
        (&["0697=05977"], "\"0697\""),
        (&["06970=06970"], "trùng nhau"),
        (&["06970=05977", "06970=06978"], "hơn một lần"),
        (&["06970=05977", "06940=06978"], "--recode (mã 06940=06978)"),
        (&[], "06970"),
    ];
    for (recodes, says) in refused {
        let out = successions(recodes);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{recodes:?}: {stderr}");
        assert!(stderr.contains(says), "{recodes:?}: {stderr}");
        assert_eq!(events(), before, "{recodes:?} wrote something");
    }
    let out = successions(&["06970=05977"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 added") && stdout.contains("Đổi mã 06970 thành 05977: 1 liên kết"),
        "{stdout}"
    );
}

async fn json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn api_on_the_demo(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let client = reqwest::Client::new();
    let get = |path: &str| json(&client, app.url(path));

    let (status, found) = get("/api/v1/units?q=dong%20kinh&at=2025-07-01").await;
    assert_eq!(status, 200);
    assert_eq!(
        found["units"][0]["full_name"], "Phường Đông Kinh",
        "{found}"
    );
    assert_eq!(found["units"][0]["code"], "05977");
    let (_, found) = get("/api/v1/units?q=DONG%20KINH&at=2025-06-30").await;
    assert_eq!(
        found["units"][0]["code"], "05980",
        "the old Phường Đông Kinh: {found}"
    );
    let (_, wards) = get("/api/v1/units?kind=phuong&parent=20&at=2025-07-01").await;
    assert_eq!(wards["total"], 4);

    let (_, now) = get("/api/v1/units/05977?at=2025-07-01").await;
    assert_eq!(
        (now["full_name"].as_str(), now["kind"].as_str()),
        (Some("Phường Đông Kinh"), Some("ward"))
    );
    assert_eq!(now["parent"]["code"], "20");
    assert_eq!(now["history"].as_array().unwrap().len(), 2);
    let (_, then) = get("/api/v1/units/05977?at=2025-06-30").await;
    assert_eq!(then["full_name"], "Phường Vĩnh Trại");
    assert_eq!(then["valid_to"], "2025-06-30");

    let (_, preds) = get("/api/v1/units/05977/predecessors?at=2025-07-01").await;
    let mut olds: Vec<&str> = preds
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["old_unit"]["full_name"].as_str().unwrap())
        .collect();
    olds.sort();
    assert_eq!(olds.len(), 4);
    assert!(
        olds.contains(&"Phường Vĩnh Trại") && olds.contains(&"Phường Đông Kinh"),
        "{olds:?}"
    );
    let (_, succ) = get("/api/v1/units/05977/successors?at=2025-06-30").await;
    assert_eq!(succ[0]["new_unit"]["full_name"], "Phường Đông Kinh");
    assert_eq!(succ[0]["link"], "full");
    let (_, split) = get("/api/v1/units/06622/successors?at=2025-06-30").await;
    let parts: Vec<(&str, &str)> = split
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["new_unit"]["full_name"].as_str().unwrap(),
                s["link"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [("Xã Đình Lập", "partial"), ("Xã Kiên Mộc", "partial")]
    );

    let (_, children) = get("/api/v1/units/20/children?at=2025-07-01").await;
    assert_eq!(children["total"], 65);
    let (_, children) = get("/api/v1/units/20/children?at=2025-06-30").await;
    assert_eq!(children["total"], 11, "the districts");

    let response = client
        .get(app.url("/api/v1/units/99999"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unit_not_found");
    let (status, body) = get("/api/v1/units/05977?at=30-06-2025").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_date")));
    let (status, body) = get("/api/v1/units?at=2025-13-01").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_date")));
    let (status, _) = get("/api/v1/units?kind=huyen_xa").await;
    assert_eq!(status, 400);

    // Agencies: public reads, administered writes.
    let (_, at_unit) = get("/api/v1/agencies?unit=05977&at=2025-07-01").await;
    assert_eq!(at_unit.as_array().unwrap().len(), 1);
    assert_eq!(at_unit[0]["name"], "Ủy ban nhân dân phường Đông Kinh");
    let (_, old) = get("/api/v1/agencies?unit=05977&at=2025-06-30").await;
    assert_eq!(old[0]["name"], "Ủy ban nhân dân phường Vĩnh Trại");
    assert_eq!(old[0]["valid_to"], "2025-06-30");
    let (status, province) = get("/api/v1/agencies/000.00.00.h37").await;
    assert_eq!(
        (status, province["kind"].as_str()),
        (200, Some("provincial_committee"))
    );
    let (status, body) = get("/api/v1/agencies/000.99.99.H37").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("agency_not_found"))
    );

    let new_agency = serde_json::json!({
        "code": "H37.001.05", "name": "Trung tâm Phục vụ hành chính công xã Mai Pha",
        "kind": "service_centre", "unit_code": "06040", "parent_code": "000.00.00.H37"
    });
    let post = |token: Option<String>, body: Value| {
        let mut request = client.post(app.url("/api/v1/agencies")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(post(None, new_agency.clone()).await.unwrap().status(), 401);
    let unit_admin = api_token(&app, "quantri.dongkinh").await;
    assert_eq!(
        post(Some(unit_admin.clone()), new_agency.clone())
            .await
            .unwrap()
            .status(),
        403
    );
    let admin = api_token(&app, "quantri.tinh").await;
    let created = post(Some(admin.clone()), new_agency.clone()).await.unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        post(Some(admin.clone()), new_agency.clone())
            .await
            .unwrap()
            .status(),
        409
    );
    let mut bad = new_agency.clone();
    bad["code"] = Value::from("H37.1.05");
    let response = post(Some(admin.clone()), bad).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_agency_code");

    // A unit administrator may rename their own agency, and nothing more.
    let own = app
        .store
        .find_user_by_username("quantri.dongkinh")
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap();
    let (_, current) = get(&format!("/api/v1/agencies/{own}")).await;
    let mut renamed = current.clone();
    renamed["name"] = Value::from("UBND phường Đông Kinh");
    let put = |token: &str, code: &str, body: &Value| {
        client
            .put(app.url(&format!("/api/v1/agencies/{code}")))
            .bearer_auth(token)
            .json(body)
            .send()
    };
    let response = put(&unit_admin, &own, &renamed).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut rekinded = renamed.clone();
    rekinded["kind"] = Value::from("department");
    assert_eq!(
        put(&unit_admin, &own, &rekinded).await.unwrap().status(),
        403
    );
    assert_eq!(
        put(&unit_admin, "000.00.00.H37", &renamed)
            .await
            .unwrap()
            .status(),
        403
    );
    let events = app
        .store
        .audit_events_for(&format!("agency:{own}"))
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().entry.action, "agency.updated");
    app.stop().await;
}

#[tokio::test]
async fn api_on_the_demo_on_sqlite() {
    api_on_the_demo(Backend::Sqlite).await;
}

#[tokio::test]
async fn api_on_the_demo_on_postgres() {
    api_on_the_demo(Backend::Postgres).await;
}

#[tokio::test]
async fn unit_pages_show_provinces_communes_history_and_agencies() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let page = |path: &str| {
        let client = client.clone();
        let url = app.url(path);
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, html) = page("/units?at=2025-07-01").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("href=\"/units/20?at=1945-09-02\">Tỉnh Lạng Sơn</a>"),
        "{html}"
    );
    let (_, html) = page("/units?q=dong+kinh&at=2025-07-01").await;
    assert!(
        html.contains("Phường Đông Kinh") && html.contains("1 đơn vị"),
        "{html}"
    );
    let (_, html) = page("/units/20?at=2025-07-01").await;
    assert!(
        html.contains("Đơn vị trực thuộc tại ngày 01/07/2025 (65)"),
        "{html}"
    );
    let (_, html) = page("/units/05977?at=2025-07-01").await;
    for text in [
        "Phường Đông Kinh",
        "Được hình thành từ",
        "Phường Vĩnh Trại",
        "01/07/2025 – nay",
        "Ủy ban nhân dân phường Đông Kinh",
        "1672/NQ-UBTVQH15 Điều 1 khoản 65",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    // A split commune: what it became, and each part's other predecessors.
    let (_, html) = page("/units/06622?at=2025-06-30").await;
    assert!(
        html.contains("Xã Bính Xá") && html.contains("Xã Đình Lập") && html.contains("Xã Kiên Mộc")
    );
    assert!(html.contains("một phần"));
    let (_, html) = page("/units/06625?at=2025-07-01").await;
    assert!(
        html.contains("Phần còn lại trở thành") && html.contains("Xã Đình Lập"),
        "{html}"
    );
    let (status, _) = page("/units/99999?at=2025-07-01").await;
    assert_eq!(status, 404);
    let (status, _) = page("/units?at=hom-nay").await;
    assert_eq!(status, 400);

    // Agency administration: provincial administrators, and unit administrators for their own.
    let (status, _) = page("/admin/agencies").await;
    assert_eq!(status, 303);
    login(&app, &client, "congdan", &app.passwords["congdan"]).await;
    let (status, _) = page("/admin/agencies").await;
    assert_eq!(status, 403);
    let admin = app.client();
    login(&app, &admin, "quantri.tinh", &app.passwords["quantri.tinh"]).await;
    let html = admin
        .get(app.url("/admin/agencies"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Thêm cơ quan") && html.contains("000.00.00.H37"));
    let token = csrf_from(&html);
    let form = |code: &str| {
        vec![
            ("csrf_token", token.clone()),
            ("code", code.to_owned()),
            ("name", "Sở Khoa học và Công nghệ".to_owned()),
            ("kind", "department".to_owned()),
            ("unit_code", "20".to_owned()),
            ("parent_code", "000.00.00.H37".to_owned()),
        ]
    };
    let response = admin
        .post(app.url("/admin/agencies"))
        .form(&form("000.00.09.H37"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.store
            .agency("000.00.09.H37")
            .await
            .unwrap()
            .unwrap()
            .name,
        "Sở Khoa học và Công nghệ"
    );
    let response = admin
        .post(app.url("/admin/agencies"))
        .form(&form("09.00.09.H37"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Mã định danh cơ quan không hợp lệ")
    );

    let unit_admin = app.client();
    login(
        &app,
        &unit_admin,
        "quantri.dongkinh",
        &app.passwords["quantri.dongkinh"],
    )
    .await;
    let html = unit_admin
        .get(app.url("/admin/agencies"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Thêm cơ quan") && !html.contains("<code>000.00.00.H37</code>"));
    let response = unit_admin
        .get(app.url("/admin/agencies/000.00.00.H37"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let html = admin
        .get(app.url("/transition"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Chưa quyết định được tự động") && html.contains("--assign 06622=06613"),
        "{html}"
    );
    let response = unit_admin.get(app.url("/transition")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    app.stop().await;
}

async fn transition_on_the_demo(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let store = &app.store;
    let reform = date(2025, 7, 1);
    let agency_of = |username: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_user_by_username(username)
                .await
                .unwrap()
                .unwrap()
                .agency_code
                .unwrap()
        }
    };
    let new_dong_kinh = store
        .find_agencies(&motcua_store::AgencyQuery {
            unit: Some("05977".into()),
            at: Some(reform),
            kind: None,
        })
        .await
        .unwrap()[0]
        .code
        .to_string();
    let binhxa_before = agency_of("motcua.binhxa").await;

    let plan = motcua_app::transition::make_plan(store, reform, &PlanRules::default())
        .await
        .unwrap();
    assert_eq!(
        plan.agencies.len(),
        11 + 194,
        "every old district and commune agency"
    );
    let binhxa = plan
        .agencies
        .iter()
        .find(|m| m.unit.code == "06622")
        .unwrap();
    assert!(binhxa.target.is_none());
    let Decision::Undecided { reason, hint } = &binhxa.decision else {
        panic!("Bính Xá was split");
    };
    assert!(
        reason.contains("Xã Đình Lập") && reason.contains("Xã Kiên Mộc"),
        "{reason}"
    );
    assert!(hint.contains("--assign 06622=06613") && hint.contains("--assign 06622=06625"));
    let undecided = plan.undecided();
    assert!(
        undecided
            .iter()
            .any(|u| u.item == Some(("user".into(), "motcua.binhxa".into())))
    );
    let text = motcua_app::transition::describe_plan(&plan);
    assert!(text.contains("CHƯA QUYẾT ĐỊNH") && text.contains("motcua.binhxa"));

    let actor = AuditEntry::system(
        motcua_app::now(),
        "transition.applied",
        "transition:2025-07-01",
        serde_json::json!({}),
    );
    let (_, report) = motcua_app::transition::apply(store, reform, &PlanRules::default(), &actor)
        .await
        .unwrap();
    assert_eq!(
        (
            report.items_moved,
            report.items_left,
            report.users_deactivated
        ),
        (2, 1, 1),
        "{report:?}"
    );
    // Left where it is, the account of the stopped commune no longer works.
    let binhxa_user = store
        .find_user_by_username("motcua.binhxa")
        .await
        .unwrap()
        .unwrap();
    assert!(!binhxa_user.active);
    assert_eq!(agency_of("motcua.vinhtrai").await, new_dong_kinh);
    assert_eq!(
        agency_of("quantri.caoloc").await,
        "000.00.00.H37",
        "districts go to the province"
    );
    assert_eq!(
        agency_of("motcua.binhxa").await,
        binhxa_before,
        "undecided: left in place"
    );
    let vinhtrai = store
        .audit_events_for("user:motcua.vinhtrai")
        .await
        .unwrap();
    assert_eq!(
        vinhtrai.last().unwrap().entry.action,
        "transition.item_moved"
    );

    // Applying again changes nothing; deciding the split moves the rest.
    let events = store.verify_audit_chain().await.unwrap().events;
    let (_, again) = motcua_app::transition::apply(store, reform, &PlanRules::default(), &actor)
        .await
        .unwrap();
    assert_eq!(
        (
            again.items_moved,
            again.agencies_linked,
            again.agencies_closed
        ),
        (0, 0, 0)
    );
    assert_eq!(store.verify_audit_chain().await.unwrap().events, events);
    let rules = PlanRules {
        assignments: vec![
            "06622=06625".parse().unwrap(),
            "06625=06625".parse().unwrap(),
        ],
        by_address: false,
    };
    let (plan, report) = motcua_app::transition::apply(store, reform, &rules, &actor)
        .await
        .unwrap();
    assert!(plan.undecided().is_empty(), "{:?}", plan.undecided());
    assert_eq!(report.items_moved, 1);
    let kien_moc = store
        .find_agencies(&motcua_store::AgencyQuery {
            unit: Some("06625".into()),
            at: Some(reform),
            kind: None,
        })
        .await
        .unwrap()[0]
        .code
        .to_string();
    assert_eq!(agency_of("motcua.binhxa").await, kien_moc);
    // Moved later, it stays disabled until an administrator enables it.
    let out = app.cli(&["user", "enable", "--username", "motcua.binhxa"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    api_token(&app, "motcua.binhxa").await;
    let old = store.agency(&binhxa_before).await.unwrap().unwrap();
    assert_eq!(old.successor_code.unwrap().as_str(), kien_moc);
    let moves = store.transition_moves(reform).await.unwrap();
    assert_eq!(moves.iter().filter(|m| m.kind == "user").count(), 3);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());

    // The moved officer now works for the new ward.
    let token = api_token(&app, "motcua.vinhtrai").await;
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["agency_code"], new_dong_kinh.as_str());
    app.stop().await;
}

#[tokio::test]
async fn transition_on_the_demo_on_sqlite() {
    transition_on_the_demo(Backend::Sqlite).await;
}

#[tokio::test]
async fn transition_on_the_demo_on_postgres() {
    transition_on_the_demo(Backend::Postgres).await;
}

/// Dossiers in flight at an abolished ward follow it, through the binary: the plan lists
/// them (masked), `apply` moves them with deadlines and history unchanged and one `moved`
/// event each, a closed one stays, the chain verifies, and a second apply moves nothing.
async fn transition_moves_dossiers_in_flight(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    motcua::samples::load(&app.store).await.unwrap();
    let client = reqwest::Client::new();
    let send = |user: &'static str, path: String, body: Value| {
        let (app, client) = (&app, &client);
        async move {
            let token = api_token(app, user).await;
            let r = client
                .post(app.url(&path))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            assert!(status < 300, "{path}: {body}");
            body
        }
    };
    let vinhtrai = app
        .store
        .find_user_by_username("motcua.vinhtrai")
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap();
    let submit = |user: &'static str, procedure: &str, channel: &str, receive: bool| {
        let mut body = serde_json::json!({
            "procedure_code": procedure,
            "agency_code": vinhtrai,
            "channel": channel,
            "receive": receive,
            "applicant": {
                "kind": "person", "name": "Nguyễn Văn An",
                "citizen_id": "020095001234", "phone": "0912 345 678"
            }
        });
        // Online, the birth registration is declared on its electronic form.
        if channel == "online" {
            body["form_data"] = crate::forms::birth_declaration("Nguyễn Thị Hoa");
        }
        send(user, "/api/v1/dossiers".into(), body)
    };
    let birth = motcua::samples::BIRTH;
    // The ward as it was before 1/7/2025: still at work, so its officer signs in (an account
    // of an agency that has stopped does not). Closed again below, before the transition.
    let admin = api_token(&app, "quantri.tinh").await;
    let set_end = |valid_to: Option<&'static str>| {
        let (app, client, admin, vinhtrai) = (&app, &client, &admin, &vinhtrai);
        async move {
            let mut agency: Value = client
                .get(app.url(&format!("/api/v1/agencies/{vinhtrai}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            agency["valid_to"] = valid_to.into();
            let r = client
                .put(app.url(&format!("/api/v1/agencies/{vinhtrai}")))
                .bearer_auth(admin)
                .json(&agency)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        }
    };
    set_end(None).await;
    // Received at the counter; received and forwarded to the Department of Justice;
    // online, not yet received; refused at receipt (closed, must stay).
    let received = submit("motcua.vinhtrai", birth, "paper", true).await;
    let forwarded = submit(
        "motcua.vinhtrai",
        motcua::samples::CRIMINAL_RECORD,
        "paper",
        true,
    )
    .await;
    let code = |d: &Value| d["code"].as_str().unwrap().to_owned();
    let forwarded = send(
        "motcua.vinhtrai",
        format!("/api/v1/dossiers/{}/actions", code(&forwarded)),
        serde_json::json!({ "action": "forward", "version": forwarded["version"] }),
    )
    .await;
    assert_eq!(
        forwarded["desk_agency"],
        motcua::samples::JUSTICE_DEPARTMENT
    );
    let online = submit("congdan", birth, "online", false).await;
    assert_eq!(online["form_data"]["ks_ho_ten"], "Nguyễn Thị Hoa");
    let refused = submit("motcua.vinhtrai", birth, "paper", false).await;
    let refused = send(
        "motcua.vinhtrai",
        format!("/api/v1/dossiers/{}/actions", code(&refused)),
        serde_json::json!({
            "action": "refuse_at_receipt", "version": refused["version"], "reason": "Sai thẩm quyền"
        }),
    )
    .await;
    assert_eq!(refused["state"], "refused_at_receipt");
    set_end(Some("2025-06-30")).await;
    let open = [&received, &forwarded, &online];
    let mut open_codes: Vec<String> = open.iter().map(|d| code(d)).collect();
    open_codes.sort();
    let mut history = Vec::new();
    for d in open.into_iter().chain([&refused]) {
        let events = app.store.dossier_events(&code(d)).await.unwrap();
        history.push(serde_json::to_value(events).unwrap());
    }

    // With the national portal's connector set up, the command line queues what it changes
    // for the portal as the server does.
    let transition_json = |command: &str| {
        let out = app.cli_with_env(
            &["transition", command, "--effective", "2025-07-01", "--json"],
            &[("MOTCUA_NATIONAL_PORTAL_URL", "http://127.0.0.1:9/hoso")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };

    // The plan lists the three open ones, masked, and counts them.
    let doc = transition_json("plan");
    let agency = doc["plan"]["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["agency"]["code"] == vinhtrai.as_str())
        .unwrap();
    let dossiers: Vec<&Value> = agency["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "dossier")
        .collect();
    let keys: Vec<&str> = dossiers
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, open_codes);
    assert!(
        dossiers
            .iter()
            .all(|i| i["label"].as_str().unwrap().contains("N. V. An"))
    );
    assert!(!doc.to_string().contains("Nguyễn Văn An"));
    let new_ward = dossiers[0]["target"]["code"].as_str().unwrap().to_owned();
    let counts = doc["counts"].as_array().unwrap();
    let dossier_count = counts.iter().find(|c| c["kind"] == "dossier").unwrap();
    assert_eq!(
        (
            dossier_count["total"].as_u64(),
            dossier_count["decided"].as_u64()
        ),
        (Some(3), Some(3))
    );
    let text = app.cli(&["transition", "plan", "--effective", "2025-07-01"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Hồ sơ đang giải quyết: 3 (3 đã xác định"),
        "{text}"
    );

    // The page shows them to the province administrator.
    let admin = app.client();
    login(&app, &admin, "quantri.tinh", &app.passwords["quantri.tinh"]).await;
    let html = admin
        .get(app.url("/transition?effective=2025-07-01"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Hồ sơ đang giải quyết: <strong>3</strong>"),
        "{html}"
    );
    assert!(open_codes.iter().all(|c| html.contains(c.as_str())));
    assert!(!html.contains(&code(&refused)) && !html.contains("Nguyễn Văn An"));

    // Apply: moved, deadlines and history unchanged, one `moved` event each, and the
    // portal told of each one's new agency.
    let doc = transition_json("apply");
    assert_eq!(doc["report"]["dossiers_moved"], 3);
    let told: Vec<Value> = app
        .store
        .outbox_messages(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "national.moved")
        .map(|m| serde_json::from_str(m.payload.as_deref().unwrap()).unwrap())
        .collect();
    let mut told_codes: Vec<&str> = told
        .iter()
        .map(|p| p["dossier_code"].as_str().unwrap())
        .collect();
    told_codes.sort();
    let mut expected_codes: Vec<&str> = open_codes.iter().map(String::as_str).collect();
    expected_codes.sort();
    assert_eq!(told_codes, expected_codes);
    assert!(
        told.iter()
            .all(|p| p["receiving_agency"] == new_ward.as_str())
    );
    let dongkinh = api_token(&app, "motcua.dongkinh").await;
    for (d, history) in open.iter().zip(&history) {
        let now: Value = client
            .get(app.url(&format!("/api/v1/dossiers/{}", code(d))))
            .bearer_auth(&dongkinh)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now["receiving_agency"], new_ward.as_str(), "{now}");
        // Whatever was the old ward's is the new ward's; the rest (Sở Tư pháp) stays.
        for field in ["handling_agency", "desk_agency"] {
            let expected = match d[field].as_str().unwrap() {
                old if old == vinhtrai => new_ward.as_str(),
                other => other,
            };
            assert_eq!(now[field], expected, "{field}");
        }
        assert_eq!(now["due_at"], d["due_at"]);
        assert_eq!(now["state"], d["state"]);
        // The declaration travels unchanged.
        assert_eq!(now["form_data"], d["form_data"]);
        let events = app.store.dossier_events(&code(d)).await.unwrap();
        let (last, earlier) = events.split_last().unwrap();
        assert_eq!(&serde_json::to_value(earlier).unwrap(), history);
        assert_eq!(last.action, "moved");
        assert_eq!(
            (
                last.data["from_agency"].as_str(),
                last.data["to_agency"].as_str()
            ),
            (Some(vinhtrai.as_str()), Some(new_ward.as_str()))
        );
    }
    let still = app.store.dossier(&code(&refused)).await.unwrap().unwrap();
    assert_eq!(still.dossier.receiving_agency.as_str(), vinhtrai);
    let events = app.store.dossier_events(&code(&refused)).await.unwrap();
    assert_eq!(serde_json::to_value(events).unwrap(), history[3]);
    let out = app.cli(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Again: nothing left to move.
    let doc = transition_json("apply");
    assert_eq!(
        (
            doc["report"]["dossiers_moved"].as_u64(),
            doc["report"]["items_moved"].as_u64()
        ),
        (Some(0), Some(0))
    );
    app.stop().await;
}

#[tokio::test]
async fn transition_moves_dossiers_in_flight_on_sqlite() {
    transition_moves_dossiers_in_flight(Backend::Sqlite).await;
}

#[tokio::test]
async fn transition_moves_dossiers_in_flight_on_postgres() {
    transition_moves_dossiers_in_flight(Backend::Postgres).await;
}
