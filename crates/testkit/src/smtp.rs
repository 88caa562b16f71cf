//! A real SMTP server for tests: aiosmtpd (from PyPI, installed by `.ci/run`), started on
//! loopback, keeping what it receives in a maildir the test reads. It can be stopped and
//! started again on the same port (an outage), and can require STARTTLS with a certificate
//! from a throwaway authority.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUIRE: &str = "MOTCUA_REQUIRE_SMTP";

/// A running aiosmtpd.
pub struct SmtpServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    tls: bool,
}

/// A certificate authority and a server certificate for `localhost`, made with openssl.
pub struct TestCertificates {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl TestCertificates {
    pub fn make(dir: &Path) -> Result<TestCertificates, String> {
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=motcua test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &ca)?;
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(dir, &csr)?;
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        )?;
        Ok(TestCertificates {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        })
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpServer {
    /// A plain SMTP server; None (announced) when aiosmtpd is not installed.
    pub async fn start() -> Option<SmtpServer> {
        SmtpServer::launch(false).await
    }

    /// One that requires STARTTLS with a certificate for `localhost` signed by
    /// [`SmtpServer::ca_file`].
    pub async fn start_tls() -> Option<SmtpServer> {
        SmtpServer::launch(true).await
    }

    async fn launch(tls: bool) -> Option<SmtpServer> {
        let probe = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            crate::skip_or_fail(
                "aiosmtpd (pip install aiosmtpd)",
                REQUIRE,
                "python3 cannot import aiosmtpd",
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.path().join("maildir").join(sub)).expect("the maildir");
        }
        if tls && let Err(e) = TestCertificates::make(dir.path()) {
            crate::skip_or_fail("openssl (to make a test certificate)", REQUIRE, &e);
            return None;
        }
        let mut server = SmtpServer {
            child: None,
            port: free_port(),
            dir,
            tls,
        };
        server.resume().await;
        Some(server)
    }

    /// The authority that signed a TLS server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Stops the server (an outage); what it received stays readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, and waits until it accepts connections.
    pub async fn resume(&mut self) {
        self.stop();
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port));
        if self.tls {
            cmd.arg("--tlscert")
                .arg(self.dir.path().join("server.pem"))
                .arg("--tlskey")
                .arg(self.dir.path().join("server.key"));
        }
        cmd.args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(cmd.spawn().expect("python3 starts"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start in 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every message received so far, as raw text (headers and body), in no set order.
    pub fn messages(&self) -> Vec<String> {
        self.named_messages()
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    /// The same with each one's maildir file name, which starts with its arrival time
    /// (`SECONDS.MMICROSECONDS…`).
    pub fn named_messages(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    out.push((entry.file_name().to_string_lossy().into_owned(), text));
                }
            }
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
