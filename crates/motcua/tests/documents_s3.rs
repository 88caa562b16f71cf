//! Documents on S3-compatible storage (`--documents-url s3://bucket/prefix`), against an
//! S3 server running in this process (`s3s-fs`, objects as files in a temporary folder):
//! upload, download, the same content kept once, corruption caught on read and by
//! `motcua documents verify`, and deletion. The test build turns the `s3` feature on
//! (a dev-dependency of this crate), so the plain `cargo test` runs it.

// Shares the suite's helpers; this binary uses only some of them.
#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use common::{Backend, Options, TestApp, api_token};
use motcua::demo::DEMO_CITIZEN_ID;
use motcua::samples;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const BUCKET: &str = "motcua-docs";
const PREFIX: &str = "lang-son";
const ACCESS_KEY: &str = "motcua-test";
const SECRET_KEY: &str = "motcua-test-secret";

/// The environment object_store reads for S3 (as the README documents it).
fn s3_env(endpoint: &str) -> [(&'static str, String); 5] {
    [
        ("AWS_ENDPOINT", endpoint.to_owned()),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ]
}

/// Serves S3 over `root` (one folder per bucket) on `listener`, checking signatures.
async fn serve_s3(listener: std::net::TcpListener, root: PathBuf) {
    use s3s::auth::SimpleAuth;
    use s3s::service::S3ServiceBuilder;
    let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(&root).unwrap());
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let service = service.clone();
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn pdf(tag: &str, size: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n% {tag}\n1 0 obj\n<<>>\nendobj\n").into_bytes();
    bytes.resize(size, b'.');
    bytes
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where the S3 server keeps an object.
fn object_file(root: &Path, sha: &str) -> PathBuf {
    root.join(BUCKET)
        .join(PREFIX)
        .join("sha256")
        .join(&sha[..2])
        .join(sha)
}

fn objects_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(objects_under(&e.path()));
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn documents_round_trip_through_an_s3_compatible_store() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join(BUCKET)).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    for (name, value) in s3_env(&endpoint) {
        // SAFETY: this binary holds this one test, and the variables are set before the
        // runtime (or anything else that reads the environment) starts a thread.
        unsafe { std::env::set_var(name, value) };
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario(listener, root.path().to_path_buf(), endpoint));
}

async fn scenario(listener: std::net::TcpListener, root: PathBuf, endpoint: String) {
    let server = tokio::spawn(serve_s3(listener, root.clone()));
    let url = format!("s3://{BUCKET}/{PREFIX}");
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            documents_url: Some(url.clone()),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    samples::load(&app.store).await.unwrap();
    let token = api_token(&app, "motcua.dongkinh").await;
    // A connection per request: one response below is cut short on purpose.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = http
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&token)
        .json(&json!({
            "procedure_code": samples::CRIMINAL_RECORD, "channel": "paper",
            "applicant": { "kind": "person", "name": "Nguyễn Văn An", "citizen_id": DEMO_CITIZEN_ID, "phone": "0912 345 678" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let dossier: Value = r.json().await.unwrap();
    let code = dossier["code"].as_str().unwrap().to_owned();
    // The signed receipt went to the bucket, nothing to the local documents folder.
    let receipt = dossier["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "receipt")
        .expect("a receipt")
        .clone();
    let receipt_sha = receipt["sha256"].as_str().unwrap().to_owned();
    assert!(object_file(&root, &receipt_sha).is_file());
    assert!(objects_under(&app.data_dir.path().join("documents/sha256")).is_empty());

    // Upload (over one multipart part, so the S3 multipart upload is used) and download.
    let bytes = pdf("to khai", 6 * 1024 * 1024 + 123);
    let upload = |name: &'static str, body: Vec<u8>| {
        http.post(app.url(&format!("/api/v1/dossiers/{code}/documents?name={name}")))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let r = upload("to-khai.pdf", bytes.clone()).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let first: Value = r.json().await.unwrap();
    let hash = sha(&bytes);
    assert_eq!(first["sha256"], hash.as_str());
    assert_eq!(std::fs::read(object_file(&root, &hash)).unwrap(), bytes);
    let download = |doc: &Value| {
        http.get(app.url(&format!(
            "/api/v1/dossiers/{code}/documents/{}",
            doc["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
    };
    let r = download(&first).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), bytes);

    // The same content again: a second document, one object.
    let r = upload("to-khai-ban-2.pdf", bytes.clone()).await.unwrap();
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["sha256"], hash.as_str());
    let mut expected = vec![hash.clone(), receipt_sha.clone()];
    expected.sort();
    assert_eq!(objects_under(&root.join(BUCKET)), expected);
    let blobs =
        motcua::archive::open_blobs(app.data_dir.path(), Some(url.clone()), u64::MAX).unwrap();
    assert_eq!(blobs.list().await.unwrap(), expected);
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.checked, 2);

    // Same size, other bytes, changed behind the store's back: the download is cut short,
    // and verification (here and from the command line) names the blob.
    let mut rotten = bytes.clone();
    rotten[5 * 1024 * 1024] ^= 0x55;
    std::fs::write(object_file(&root, &hash), &rotten).unwrap();
    let cut_short = match download(&first).await {
        Err(_) => true,
        Ok(r) => {
            assert_eq!(r.status(), 200);
            r.bytes().await.is_err()
        }
    };
    assert!(cut_short, "the body is cut short");
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert_eq!(report.corrupt.len(), 1, "{report:?}");
    assert_eq!(report.corrupt[0].0, hash);
    let verify = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"));
        cmd.arg("--data-dir")
            .arg(app.data_dir.path())
            .args(["--documents-url", &url, "documents", "verify"])
            .env_remove("MOTCUA_DATABASE_URL")
            .env_remove("MOTCUA_DOCUMENTS_URL")
            .envs(s3_env(&endpoint));
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let out = verify(false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&hash) && text.contains("CORRUPT"), "{text}");
    std::fs::write(object_file(&root, &hash), &bytes).unwrap();
    let out = verify(true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Deletion (what an approved destruction list does), and a missing object.
    blobs.delete(&hash).await.unwrap();
    assert!(!object_file(&root, &hash).exists());
    assert!(!blobs.exists(&hash).await);
    assert!(blobs.exists(&receipt_sha).await);
    blobs.delete(&hash).await.unwrap();
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert_eq!(report.missing, vec![hash.clone()]);
    let r = download(&first).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "document_missing");
    assert_eq!(blobs.spool_files(), 0, "no spool file is left behind");

    app.stop().await;
    server.abort();
}
