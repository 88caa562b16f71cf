//! Helpers for the document store's tests.

use super::backend::Memory;
use super::{BlobCheck, BlobStore, DocumentRejection, UploadError};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::path::Path;

pub(crate) fn chunks(
    data: Vec<u8>,
    size: usize,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let parts: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(parts)
}

pub(crate) fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..len).map(|i| (i % 251) as u8));
    v
}

pub(crate) async fn read_all(store: &BlobStore, sha: &str) -> Result<Vec<u8>, std::io::Error> {
    let (_, mut s) = store.open(sha, None, |_| {}).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c?);
    }
    // Polled again after its end (as a compressing layer does), it stays ended.
    assert!(s.next().await.is_none(), "the stream is fused");
    Ok(out)
}

/// A store on another backend than local disk (in memory), with its spool in `dir/tmp`.
pub(crate) fn memory_store(dir: &Path) -> BlobStore {
    BlobStore::with_backend(
        Box::new(Memory::default()),
        &dir.join("tmp"),
        1 << 24,
        "memory://".into(),
    )
}

/// The same behaviour on local disk and on another backend (in memory here; the code
/// path a remote store takes: copied, not renamed).
pub(crate) async fn round_trip(store: BlobStore, spool: &Path) {
    let data = pdf(3 * super::blobs::READ_CHUNK + 17);
    let staged = store
        .receive(chunks(data.clone(), 7919), None)
        .await
        .unwrap();
    assert_eq!(staged.content_type, "application/pdf");
    assert_eq!(staged.size, data.len() as u64);
    let sha = staged.sha256.clone();
    assert_eq!(sha, hex::encode(Sha256::digest(&data)));
    assert!(!store.exists(&sha).await);
    store.keep(staged).await.unwrap();
    assert!(store.exists(&sha).await);
    assert_eq!(read_all(&store, &sha).await.unwrap(), data);
    // Again: deduplicated, the spool file goes.
    let again = store
        .receive(chunks(data.clone(), 4096), None)
        .await
        .unwrap();
    store.keep(again).await.unwrap();
    assert_eq!(store.list().await.unwrap(), vec![sha.clone()]);
    assert_eq!(store.check(&sha).await, BlobCheck::Intact);
    // Every refusal leaves no spool file.
    let refused = [
        (Vec::new(), None, DocumentRejection::Empty),
        (
            b"MZ\x90\x00\x03\x00\x00\x00\x04".to_vec(),
            None,
            DocumentRejection::UnsupportedType,
        ),
        (
            pdf(store.max_bytes() as usize),
            None,
            DocumentRejection::TooLarge,
        ),
        (
            pdf(10),
            Some("00".repeat(32)),
            DocumentRejection::HashMismatch,
        ),
    ];
    for (bytes, expected, why) in refused {
        match store
            .receive(chunks(bytes, 1000), expected.as_deref())
            .await
        {
            Err(UploadError::Rejected(r)) => assert_eq!(r, why),
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("accepted {why:?}"),
        }
    }
    // A short PDF (fewer bytes than the sniffer wants) is still a PDF.
    let tiny = store
        .receive(chunks(b"%PDF-".to_vec(), 2), None)
        .await
        .unwrap();
    assert_eq!(tiny.content_type, "application/pdf");
    store.discard(tiny).await;
    // A body that breaks off.
    let broken = futures_util::stream::iter(vec![
        Ok(Bytes::from_static(b"%PDF-1.7 and then")),
        Err(std::io::Error::other("reset")),
    ]);
    assert!(matches!(
        store.receive(broken, None).await,
        Err(UploadError::Body(_))
    ));
    assert_eq!(std::fs::read_dir(spool).map_or(0, |d| d.count()), 0);
    store.delete(&sha).await.unwrap();
    assert!(!store.exists(&sha).await);
    store.delete(&sha).await.unwrap();
}
