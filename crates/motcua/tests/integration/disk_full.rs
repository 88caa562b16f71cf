//! SQLite on a full disk: writes answer 507 and leave nothing behind, `/readyz` says the
//! disk is full, and service resumes by itself once space is freed, without a restart.
//! Runs on a small tmpfs the test mounts (root only; required in CI).

use crate::common::{Api, Backend, Options, TestApp, agency_of, numbered_submission, problem};
use motcua::samples;
use serde_json::Value;
use std::io::Write;

impl Api<'_> {
    async fn submit_keyed(&self, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.app.url("/api/v1/dossiers"))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// Fills the file system that holds `dir` with one file, to its last block.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    for chunk in [1 << 20, 64 << 10, 4 << 10, 512] {
        let block = vec![0u8; chunk];
        while file.write_all(&block).is_ok() {}
    }
    let _ = file.flush();
    path
}

#[tokio::test]
async fn a_full_disk_answers_507_and_service_resumes_once_space_is_freed() {
    let Some(disk) = motcua_testkit::SmallDisk::mount(64) else {
        return;
    };
    let options = Options {
        data_parent: Some(disk.path().to_path_buf()),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let citizen = Api::new(&app, "congdan").await;
    let first = citizen
        .submit_keyed("disk-0", &numbered_submission(&agency, 0))
        .await;
    assert_eq!(first.status(), 201);
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);

    let filler = fill(disk.path());
    // Small commits may still fit where the write-ahead log has room; one soon does not.
    let mut acknowledged = vec![first.json::<Value>().await.unwrap()["code"].clone()];
    let mut refused = None;
    for i in 1..2000 {
        let r = citizen
            .submit_keyed(&format!("disk-{i}"), &numbered_submission(&agency, i))
            .await;
        if r.status() == 201 {
            acknowledged.push(r.json::<Value>().await.unwrap()["code"].clone());
            continue;
        }
        let retry_after = r.headers().get("retry-after").cloned();
        let body = problem(r, 507, "storage_full").await;
        assert!(retry_after.is_some(), "507 says when to retry");
        assert!(
            body["detail"].as_str().unwrap().contains("hết chỗ lưu trữ"),
            "{body}"
        );
        refused = Some(i);
        break;
    }
    let refused = refused.expect("a submission is refused on the full disk");
    // A document cannot be spooled either; the partial spool file goes.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(2 << 20, b'x');
    let code = acknowledged[0].as_str().unwrap();
    let upload = citizen
        .client
        .post(app.url(&format!("/api/v1/dossiers/{code}/documents?name=a.pdf")))
        .bearer_auth(&citizen.token)
        .header("content-type", "application/octet-stream")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    problem(upload, 507, "storage_full").await;
    let spool = app.data_dir.path().join("documents/tmp");
    let left = std::fs::read_dir(&spool).map_or(0, |d| d.count());
    assert_eq!(left, 0, "spool files left in {}", spool.display());
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.text().await.unwrap(), "storage full\n");

    std::fs::remove_file(&filler).unwrap();
    // No restart: the same request goes through now, once, and the earlier ones are there.
    let again = citizen
        .submit_keyed(
            &format!("disk-{refused}"),
            &numbered_submission(&agency, refused),
        )
        .await;
    assert_eq!(again.status(), 201, "{}", again.text().await.unwrap());
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    for code in &acknowledged {
        let code = code.as_str().unwrap();
        let r = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(r.status(), 200, "{code} kept");
    }
    let mine: Value = citizen.json("/api/v1/dossiers?per_page=100").await;
    eprintln!(
        "disk full after {} acknowledged submissions; {} listed",
        acknowledged.len(),
        mine["total"]
    );
    app.stop().await;
    drop(disk);
}
