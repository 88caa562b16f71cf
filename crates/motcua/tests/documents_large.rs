//! A large document (64 MiB) streams through the real server in and out without being
//! held in memory: the process's resident memory is sampled while it moves. Alone in its
//! own test binary, so no other test disturbs the measurement. (1 GiB is measured by the
//! `documents` benchmark, never in the suite.)

// Shares the suite's helpers; this binary uses only some of them.
#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use common::{Backend, Options, TestApp, api_token, csrf_from, hidden};
use motcua::samples;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

const SIZE: usize = 64 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Samples the resident memory every few milliseconds until stopped; returns the peak.
fn sample_peak() -> (Arc<AtomicBool>, Arc<AtomicU64>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_kib()));
    let (s, p) = (stop.clone(), peak.clone());
    let handle = std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            p.fetch_max(rss_kib(), Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    });
    (stop, peak, handle)
}

/// The i-th chunk of the generated PDF: a header, then pseudo-random bytes.
fn chunk(i: usize) -> Vec<u8> {
    let mut out = vec![0u8; CHUNK];
    let mut state = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for word in out.chunks_exact_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        word.copy_from_slice(&state.to_le_bytes());
    }
    if i == 0 {
        out[..9].copy_from_slice(b"%PDF-1.7\n");
    }
    out
}

async fn read_head(
    reader: &mut tokio::io::BufReader<tokio::net::TcpStream>,
) -> std::io::Result<(u16, Option<u64>)> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok();
        }
    }
    Ok((status, length))
}

/// Sends the body chunk by chunk over a raw connection: the test holds one chunk at a time.
/// `chunked` leaves the length out (Transfer-Encoding: chunked). The status is None when
/// the server cut the connection before its answer could be read (it refused mid-body).
async fn upload(
    addr: &str,
    path: &str,
    token: &str,
    chunks: usize,
    chunked: bool,
) -> (Option<u16>, Value, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", chunks * CHUNK)
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    let conn = reader.get_mut();
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut hasher = Sha256::new();
    for i in 0..chunks {
        let c = chunk(i);
        hasher.update(&c);
        let sent = if chunked {
            conn.write_all(format!("{:x}\r\n", c.len()).as_bytes())
                .await
                .and(conn.write_all(&c).await.and(conn.write_all(b"\r\n").await))
        } else {
            conn.write_all(&c).await
        };
        // The server may answer (413) and close before the body is all sent.
        if sent.is_err() {
            break;
        }
    }
    if chunked {
        let _ = conn.write_all(b"0\r\n\r\n").await;
    }
    let sha = hex::encode(hasher.finalize());
    let Ok((status, length)) = read_head(&mut reader).await else {
        return (None, Value::Null, sha);
    };
    let mut body = vec![0u8; length.unwrap_or(0) as usize];
    let body = match reader.read_exact(&mut body).await {
        Ok(_) => serde_json::from_slice(&body).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    (Some(status), body, sha)
}

#[tokio::test]
async fn a_large_document_streams_in_and_out_in_flat_memory() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            max_document_bytes: Some((SIZE + 1024 * 1024) as u64),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    samples::load(&app.store).await.unwrap();
    let token = api_token(&app, "motcua.dongkinh").await;
    let client = reqwest::Client::new();
    let d: Value = client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&token)
        .json(&json!({
            "procedure_code": samples::CRIMINAL_RECORD, "channel": "paper",
            "applicant": { "kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234" },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = d["code"].as_str().unwrap().to_owned();
    let addr = app.base.trim_start_matches("http://").to_owned();
    let path = format!("/api/v1/dossiers/{code}/documents?name=lon.pdf");
    // Warm up the paths once with a small file, so the measurement is the transfer.
    let (status, _, _) = upload(&addr, &path, &token, 2, false).await;
    assert_eq!(status, Some(201));

    let before = rss_kib();
    let (stop, peak, sampler) = sample_peak();
    let (status, doc, sent_sha) = upload(&addr, &path, &token, SIZE / CHUNK, false).await;
    assert_eq!(status, Some(201), "{doc}");
    assert_eq!(doc["size_bytes"], SIZE as u64);
    assert_eq!(doc["sha256"], sent_sha.as_str());
    // Down again, hashed as it arrives.
    let mut response = client
        .get(app.url(&format!(
            "/api/v1/dossiers/{code}/documents/{}",
            doc["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-content-sha256"], sent_sha.as_str());
    let mut hasher = Sha256::new();
    let mut got = 0usize;
    while let Some(c) = response.chunk().await.unwrap() {
        got += c.len();
        hasher.update(&c);
    }
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    assert_eq!(got, SIZE);
    assert_eq!(hex::encode(hasher.finalize()), sent_sha);
    let grew_mib = peak.load(Ordering::Relaxed).saturating_sub(before) / 1024;
    eprintln!("API: resident memory grew by {grew_mib} MiB moving 64 MiB in and out");
    assert!(
        grew_mib < 40,
        "resident memory grew by {grew_mib} MiB while moving a 64 MiB document"
    );

    // The same content again (chunked this time): deduplicated into the one blob.
    let (status, again, _) = upload(&addr, &path, &token, SIZE / CHUNK, true).await;
    assert_eq!(status, Some(201), "{again}");
    assert_eq!(again["sha256"], sent_sha.as_str());
    let blob_dir = app
        .data_dir
        .path()
        .join("documents/sha256")
        .join(&sent_sha[..2]);
    assert_eq!(std::fs::read_dir(&blob_dir).unwrap().count(), 1);
    assert_eq!(
        std::fs::metadata(blob_dir.join(&sent_sha)).unwrap().len(),
        SIZE as u64
    );
    // Over the limit without a declared length: refused as it streams, nothing kept.
    let blobs_before = app.store.blobs().await.unwrap().len();
    let (status, problem, _) = upload(&addr, &path, &token, SIZE / CHUNK + 8, true).await;
    if let Some(status) = status {
        assert_eq!(status, 413);
        assert_eq!(problem["code"], "document_too_large");
    }
    assert_eq!(app.store.blobs().await.unwrap().len(), blobs_before);
    let spool = app.data_dir.path().join("documents/tmp");
    assert_eq!(std::fs::read_dir(&spool).map_or(0, |d| d.count()), 0);

    // The online form (multipart) streams its files to the spool as the API does.
    let before = rss_kib();
    let (stop, peak, sampler) = sample_peak();
    let (status, page) = submit_online_form(&app, &addr).await;
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("lon.pdf"), "the large file is saved: {page}");
    let grew_mib = peak.load(Ordering::Relaxed).saturating_sub(before) / 1024;
    eprintln!("online form: resident memory grew by {grew_mib} MiB taking a 64 MiB document");
    assert!(
        grew_mib < 40,
        "resident memory grew by {grew_mib} MiB while the online form sent a 64 MiB document"
    );
    assert_eq!(std::fs::read_dir(&spool).map_or(0, |d| d.count()), 0);
    app.stop().await;
}

/// Sends the online submission form with a 64 MiB first document over a raw connection,
/// chunk by chunk; returns the status and the page.
async fn submit_online_form(app: &TestApp, addr: &str) -> (u16, String) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let form_path = format!("/procedures/{}/submit", samples::CRIMINAL_RECORD);
    let form = client
        .get(app.url(&form_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let agency = common::agency_of(app, "motcua.dongkinh").await;
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &app.url("/").parse().unwrap())
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    const BOUNDARY: &str = "motcua-large-form";
    let mut head = String::new();
    for (name, value) in [
        ("csrf_token", csrf_from(&form)),
        ("idempotency_key", hidden(&form, "idempotency_key")),
        ("kind", "person".into()),
        ("name", "Nguyễn Văn An".into()),
        ("citizen_id", "020095001234".into()),
        ("phone", "0912 345 678".into()),
        ("agency", agency),
    ] {
        head += &format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
    }
    head += &format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc_0\"; filename=\"lon.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    );
    let mut tail = String::from("\r\n");
    for i in 1..3 {
        tail += &format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc_{i}\"; filename=\"nho-{i}.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.7 nho {i}\r\n"
        );
    }
    tail += &format!("--{BOUNDARY}--\r\n");
    let length = head.len() + SIZE + tail.len();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    let conn = reader.get_mut();
    let request = format!(
        "POST {form_path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n{head}"
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    for i in 0..SIZE / CHUNK {
        conn.write_all(&chunk(i)).await.unwrap();
    }
    conn.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = String::new();
    reader.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if status != 303 {
        return (status, body.to_owned());
    }
    // Post, redirect, get: the confirmation opens with the pass the answer set.
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let pass = header("set-cookie");
    let pass = pass.split(';').next().unwrap_or_default();
    let r = reqwest::Client::new()
        .get(app.url(&header("location")))
        .header("cookie", format!("{cookies}; {pass}"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}
