//! Document throughput through the real server, against a plain file copy on the same disk.
//!
//! Starts the release `motcua` binary as a child (its own data folder next to the file),
//! uploads a generated file of `MOTCUA_BENCH_DOCUMENT_MIB` MiB (default 1024) to a dossier
//! over loopback, downloads it back, and compares MB/s with `cp` of the same file on the
//! same disk (and with `cp` followed by fsync, since an upload is synced before it is
//! acknowledged). Peak memory is the server's VmHWM from /proc. The folder is
//! `MOTCUA_BENCH_DIR` (default: a temporary folder under `target/`).
//!
//! ```sh
//! cargo bench -p motcua --bench documents
//! MOTCUA_BENCH_DOCUMENT_MIB=256 cargo bench -p motcua --bench documents
//! ```

use anyhow::{Context, bail};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

const MIB: u64 = 1024 * 1024;

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A PDF header and pseudo-random bytes (incompressible), written in 8 MiB chunks.
fn generate(path: &Path, bytes: u64) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(8 << 20, std::fs::File::create(path)?);
    out.write_all(b"%PDF-1.7\n")?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 8 << 20];
    let mut left = bytes - 9;
    while left > 0 {
        for word in chunk.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(chunk.len() as u64) as usize;
        out.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    out.into_inner()?.sync_all()?;
    Ok(())
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// One HTTP/1.1 exchange over a fresh connection; returns status, headers and the stream
/// positioned at the body.
async fn request(
    addr: &str,
    head: &str,
) -> anyhow::Result<tokio::io::BufReader<tokio::net::TcpStream>> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream.write_all(head.as_bytes()).await?;
    Ok(tokio::io::BufReader::with_capacity(1 << 20, stream))
}

async fn read_head(
    reader: &mut tokio::io::BufReader<tokio::net::TcpStream>,
) -> anyhow::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .context("no status line")?
        .parse()?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    Ok((status, headers))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn body_text(
    reader: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    headers: &[(String, String)],
) -> anyhow::Result<String> {
    let len: usize = header(headers, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut buf = vec![0u8; len];
    reader.read_exact(&mut buf).await?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn password(data: &Path, user: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(data.join("demo-accounts.txt"))?;
    text.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(user)).then(|| w.next().map(str::to_owned))?
        })
        .context("no demo password")
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        println!("documents: bench");
        return Ok(());
    }
    let mib: u64 = std::env::var("MOTCUA_BENCH_DOCUMENT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let bytes = mib * MIB;
    let base_dir = std::env::var_os("MOTCUA_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(&base_dir)?;
    let dir = tempfile::tempdir_in(&base_dir)?;
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_motcua");
    println!(
        "documents bench: {mib} MiB through {bin}, in {}",
        dir.path().display()
    );

    // The demo, the sample processes and one dossier.
    let status = Command::new(bin)
        .args(["--data-dir"])
        .arg(&data)
        .args(["generate", "dossiers", "--count", "1"])
        .env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_DOCUMENTS_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("motcua generate failed");
    }
    let mut child = Command::new(bin)
        .args(["--data-dir"])
        .arg(&data)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--reminder-interval-minutes",
            "0",
            "--max-document-mib",
        ])
        .arg((mib + 1).to_string())
        .env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_DOCUMENTS_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let mut stdout = std::io::BufReader::new(child.stdout.take().context("no stdout")?);
    let mut line = String::new();
    let addr = loop {
        line.clear();
        if stdout.read_line(&mut line)? == 0 {
            bail!("the server stopped before serving");
        }
        if let Some(rest) = line.trim().split("http://").nth(1) {
            break rest.to_owned();
        }
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(&addr, pid, dir.path(), &data, bytes));
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn run(addr: &str, pid: u32, dir: &Path, data: &Path, bytes: u64) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let token: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({
            "username": "motcua.dongkinh",
            "password": password(data, "motcua.dongkinh")?,
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["token"].as_str().context("no token")?.to_owned();
    let dossier: serde_json::Value = client
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "procedure_code": "2.000488",
            "channel": "paper",
            "applicant": { "kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234" },
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let code = dossier["code"].as_str().context("no code")?.to_owned();

    let input = dir.join("input.pdf");
    generate(&input, bytes)?;
    let idle_rss = vm_rss_kib(pid).unwrap_or(0);
    let idle_hwm = vm_hwm_kib(pid).unwrap_or(0);

    // The plain copy on the same disk.
    let copy = dir.join("cp-copy.pdf");
    let started = Instant::now();
    let status = Command::new("cp").arg(&input).arg(&copy).status()?;
    let cp_time = started.elapsed();
    if !status.success() {
        bail!("cp failed");
    }
    let started = Instant::now();
    std::fs::File::open(&copy)?.sync_all()?;
    let cp_sync_time = cp_time + started.elapsed();
    std::fs::remove_file(&copy)?;

    // Upload: the file streamed as the request body.
    let started = Instant::now();
    let head = format!(
        "POST /api/v1/dossiers/{code}/documents?name=bench.pdf HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {bytes}\r\nConnection: close\r\n\r\n"
    );
    let mut reader = request(addr, &head).await?;
    let mut file = tokio::fs::File::open(&input).await?;
    tokio::io::copy_buf(
        &mut tokio::io::BufReader::with_capacity(1 << 20, &mut file),
        reader.get_mut(),
    )
    .await?;
    let (status, headers) = read_head(&mut reader).await?;
    let body = body_text(&mut reader, &headers).await?;
    let upload_time = started.elapsed();
    if status != 201 {
        bail!("upload answered {status}: {body}");
    }
    let doc: serde_json::Value = serde_json::from_str(&body)?;
    let id = doc["id"].as_str().context("no id")?.to_owned();
    let upload_hwm = vm_hwm_kib(pid).unwrap_or(0);

    // Download: streamed to a file on the same disk.
    let out = dir.join("download.pdf");
    let started = Instant::now();
    let head = format!(
        "GET /api/v1/dossiers/{code}/documents/{id} HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let mut reader = request(addr, &head).await?;
    let (status, headers) = read_head(&mut reader).await?;
    if status != 200 {
        bail!("download answered {status}");
    }
    let mut sink = tokio::fs::File::create(&out).await?;
    let got = tokio::io::copy_buf(&mut reader, &mut sink).await?;
    sink.flush().await?;
    let download_time = started.elapsed();
    if got != bytes {
        bail!("downloaded {got} bytes of {bytes}");
    }
    let download_hwm = vm_hwm_kib(pid).unwrap_or(0);
    let _ = header(&headers, "x-content-sha256");

    let cp = mb_per_s(bytes, cp_time);
    let cp_sync = mb_per_s(bytes, cp_sync_time);
    let up = mb_per_s(bytes, upload_time);
    let down = mb_per_s(bytes, download_time);
    println!();
    println!("| measure | time | MB/s | ratio to cp | ratio to cp+fsync |");
    println!("|---|---|---|---|---|");
    println!(
        "| cp (same disk) | {:.2} s | {cp:.0} | 1.00 | |",
        cp_time.as_secs_f64()
    );
    println!(
        "| cp + fsync | {:.2} s | {cp_sync:.0} | | 1.00 |",
        cp_sync_time.as_secs_f64()
    );
    println!(
        "| upload (hash, spool, fsync, commit) | {:.2} s | {up:.0} | {:.2} | {:.2} |",
        upload_time.as_secs_f64(),
        up / cp,
        up / cp_sync
    );
    println!(
        "| download (re-hash on the way out) | {:.2} s | {down:.0} | {:.2} | {:.2} |",
        download_time.as_secs_f64(),
        down / cp,
        down / cp_sync
    );
    println!();
    println!(
        "load average (2-core machine shared with other builds): {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "server memory: RSS at rest {} MiB, VmHWM before {} MiB, after upload {} MiB, after download {} MiB (file {} MiB)",
        idle_rss / 1024,
        idle_hwm / 1024,
        upload_hwm / 1024,
        download_hwm / 1024,
        bytes / MIB
    );
    Ok(())
}
