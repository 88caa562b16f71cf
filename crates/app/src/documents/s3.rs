//! Documents on S3-compatible storage (`s3://bucket/prefix`), through `object_store`.
//! Only with the `s3` feature: it brings an HTTP client and a TLS stack.

use super::BlobStore;
use std::path::Path;

#[cfg(feature = "s3")]
pub use with_s3::ObjectStoreBackend;

/// Opens `s3://{rest}` with its spool in `spool`.
#[cfg(feature = "s3")]
pub(super) fn open(rest: &str, spool: &Path, max_bytes: u64) -> Result<BlobStore, String> {
    use object_store::ObjectStore;
    use std::sync::Arc;
    let (bucket, prefix) = match rest.split_once('/') {
        Some((b, p)) => (b, p.trim_matches('/')),
        None => (rest, ""),
    };
    if bucket.is_empty() {
        return Err("s3:// needs a bucket: s3://bucket/prefix".into());
    }
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| e.to_string())?;
    let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
    };
    Ok(BlobStore::with_backend(
        Box::new(ObjectStoreBackend::new(objects)),
        spool,
        max_bytes,
        format!("s3://{bucket}/{prefix}"),
    ))
}

#[cfg(not(feature = "s3"))]
pub(super) fn open(_: &str, _: &Path, _: u64) -> Result<BlobStore, String> {
    Err("this motcua was built without S3 support: build it with `--features s3`".into())
}

#[cfg(feature = "s3")]
mod with_s3 {
    use crate::documents::backend::{BlobBackend, BlobError};
    use crate::documents::blobs::{BlobStream, READ_CHUNK, ReadError, io_error};
    use futures_util::StreamExt;
    use futures_util::future::BoxFuture;
    use object_store::path::Path as ObjectPath;
    use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart};
    use std::path::Path;
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;

    /// Parts of a multipart upload.
    const PART_BYTES: usize = 8 * 1024 * 1024;

    impl From<object_store::Error> for BlobError {
        fn from(err: object_store::Error) -> BlobError {
            BlobError::new(err)
        }
    }

    /// Any `object_store` store (S3 here; in memory in tests).
    pub struct ObjectStoreBackend {
        objects: Arc<dyn ObjectStore>,
    }

    impl ObjectStoreBackend {
        pub fn new(objects: Arc<dyn ObjectStore>) -> ObjectStoreBackend {
            ObjectStoreBackend { objects }
        }
    }

    fn generic(e: std::io::Error) -> object_store::Error {
        object_store::Error::Generic {
            store: "spool",
            source: Box::new(e),
        }
    }

    impl BlobBackend for ObjectStoreBackend {
        fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, bool> {
            Box::pin(async move { self.objects.head(&ObjectPath::from(key)).await.is_ok() })
        }

        fn put_file<'a>(
            &'a self,
            key: &'a str,
            file: &'a Path,
        ) -> BoxFuture<'a, Result<(), BlobError>> {
            Box::pin(async move {
                let upload = self.objects.put_multipart(&ObjectPath::from(key)).await?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
                let copied: Result<(), object_store::Error> = async {
                    let mut file = tokio::fs::File::open(file).await.map_err(generic)?;
                    let mut buffer = vec![0u8; READ_CHUNK];
                    loop {
                        let n = file.read(&mut buffer).await.map_err(generic)?;
                        if n == 0 {
                            break;
                        }
                        writer.wait_for_capacity(2).await?;
                        writer.write(&buffer[..n]);
                    }
                    Ok(())
                }
                .await;
                match copied {
                    Ok(()) => Ok(writer.finish().await.map(|_| ())?),
                    Err(e) => {
                        let _ = writer.abort().await;
                        Err(e.into())
                    }
                }
            })
        }

        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(u64, BlobStream), ReadError>> {
            Box::pin(async move {
                let got = match self.objects.get(&ObjectPath::from(key)).await {
                    Ok(got) => got,
                    Err(object_store::Error::NotFound { .. }) => return Err(ReadError::Missing),
                    Err(e) => return Err(ReadError::Store(e.into())),
                };
                let size = got.meta.size;
                let stream: BlobStream = match got.payload {
                    GetResultPayload::File(file, _) => {
                        Box::pin(tokio_util::io::ReaderStream::with_capacity(
                            tokio::fs::File::from_std(file),
                            READ_CHUNK,
                        ))
                    }
                    GetResultPayload::Stream(s) => Box::pin(s.map(|r| r.map_err(io_error))),
                };
                Ok((size, stream))
            })
        }

        fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, BlobError>> {
            Box::pin(async move {
                let prefix = ObjectPath::from(prefix);
                let mut listing = self.objects.list(Some(&prefix));
                let mut out = Vec::new();
                while let Some(meta) = listing.next().await {
                    let meta = meta?;
                    if let Some(name) = meta.location.filename() {
                        out.push(name.to_owned());
                    }
                }
                Ok(out)
            })
        }

        fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
            Box::pin(async move {
                match self.objects.delete(&ObjectPath::from(key)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            })
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::documents::BlobStore;

        /// The code path S3 takes, against object_store's in-memory store.
        #[tokio::test]
        async fn object_store_round_trip() {
            let dir = tempfile::tempdir().unwrap();
            let store = BlobStore::with_backend(
                Box::new(ObjectStoreBackend::new(Arc::new(
                    object_store::memory::InMemory::new(),
                ))),
                &dir.path().join("tmp"),
                1 << 24,
                "memory://".into(),
            );
            crate::documents::testing::round_trip(store, &dir.path().join("tmp")).await;
        }
    }
}
