//! Where blobs are kept, behind a small trait of our own: local disk and memory here,
//! S3-compatible storage in [`super::s3`] (the `s3` feature). The trait keeps the HTTP
//! client and its TLS stack out of builds that do not store documents on S3.

use super::blobs::{BlobStream, READ_CHUNK, ReadError, io_error};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A backend failure (its own message; for S3, the object store's).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BlobError(Box<dyn std::error::Error + Send + Sync>);

impl BlobError {
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> BlobError {
        BlobError(err.into())
    }
}

impl From<std::io::Error> for BlobError {
    fn from(err: std::io::Error) -> BlobError {
        BlobError::new(err)
    }
}

/// Objects by key (`sha256/<ab>/<sha256>`): what [`super::BlobStore`] needs of a storage.
pub trait BlobBackend: Send + Sync {
    /// Something is stored at `key`.
    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, bool>;
    /// Stores the complete local `file` at `key`: moved where the backend is on the same
    /// disk, copied otherwise (the caller removes what is left).
    fn put_file<'a>(&'a self, key: &'a str, file: &'a Path)
    -> BoxFuture<'a, Result<(), BlobError>>;
    /// The object's size and bytes; [`ReadError::Missing`] when there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(u64, BlobStream), ReadError>>;
    /// The names (last path segment) of every object under `prefix`, in no order.
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, BlobError>>;
    /// Removes the object; none there is fine.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BlobError>>;
}

/// Objects as files under a folder, by key.
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: PathBuf) -> LocalDisk {
        LocalDisk { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        key.split('/')
            .fold(self.root.clone(), |p, part| p.join(part))
    }
}

/// A file name an interrupted multipart write leaves (`name#123`), not an object.
fn is_partial_write(name: &str) -> bool {
    matches!(name.split_once('#'), Some((_, suffix)) if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()))
}

/// File names under `dir`, at any depth (symbolic links followed); none when it is absent.
fn files_under(dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            files_under(&path, out)?;
        } else if meta.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_partial_write(&name) {
                out.push(name);
            }
        }
    }
    Ok(())
}

impl BlobBackend for LocalDisk {
    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            tokio::fs::metadata(self.path(key))
                .await
                .is_ok_and(|m| m.is_file())
        })
    }

    fn put_file<'a>(
        &'a self,
        key: &'a str,
        file: &'a Path,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let dest = self.path(key);
            let moved = async {
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                tokio::fs::rename(file, &dest).await
            }
            .await;
            match moved {
                Ok(()) => Ok(()),
                // Another pass put the same content there meanwhile.
                Err(_) if tokio::fs::try_exists(&dest).await.unwrap_or(false) => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(u64, BlobStream), ReadError>> {
        Box::pin(async move {
            let path = self.path(key);
            let opened = tokio::task::spawn_blocking(move || {
                let file = std::fs::File::open(&path)?;
                let meta = file.metadata()?;
                if meta.is_dir() {
                    return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
                }
                Ok((file, meta.len()))
            })
            .await
            .map_err(io_error)
            .and_then(|r| r);
            match opened {
                Ok((file, size)) => {
                    let stream: BlobStream = Box::pin(tokio_util::io::ReaderStream::with_capacity(
                        tokio::fs::File::from_std(file),
                        READ_CHUNK,
                    ));
                    Ok((size, stream))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReadError::Missing),
                Err(e) => Err(ReadError::Store(e.into())),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, BlobError>> {
        Box::pin(async move {
            let dir = self.path(prefix);
            tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                files_under(&dir, &mut out).map(|()| out)
            })
            .await
            .map_err(io_error)?
            .map_err(BlobError::from)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }
}

/// Objects in memory (`memory://`, for tests): copied in like a remote store's.
#[derive(Default)]
pub struct Memory {
    objects: Mutex<BTreeMap<String, Bytes>>,
}

impl Memory {
    fn objects(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Bytes>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BlobBackend for Memory {
    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move { self.objects().contains_key(key) })
    }

    fn put_file<'a>(
        &'a self,
        key: &'a str,
        file: &'a Path,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let bytes = tokio::fs::read(file).await?;
            self.objects().insert(key.to_owned(), Bytes::from(bytes));
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(u64, BlobStream), ReadError>> {
        Box::pin(async move {
            let bytes = self.objects().get(key).cloned().ok_or(ReadError::Missing)?;
            let size = bytes.len() as u64;
            let chunks: Vec<Result<Bytes, std::io::Error>> = (0..bytes.len())
                .step_by(READ_CHUNK)
                .map(|at| Ok(bytes.slice(at..(at + READ_CHUNK).min(bytes.len()))))
                .collect();
            let stream: BlobStream = Box::pin(futures_util::stream::iter(chunks));
            Ok((size, stream))
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, BlobError>> {
        Box::pin(async move {
            let under = format!("{prefix}/");
            Ok(self
                .objects()
                .keys()
                .filter(|k| k.starts_with(&under))
                .filter_map(|k| k.rsplit('/').next().map(str::to_owned))
                .collect())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            self.objects().remove(key);
            Ok(())
        })
    }
}
