//! Writing entries to a remote store: a conditional create, else a comparison and a conditional
//! update; large entries in parts.

use std::io;
use std::sync::Arc;

use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion, WriteMultipart,
};

use super::{COMPARED_PREFIX, MULTIPART_THRESHOLD, PART_CONCURRENCY, PART_SIZE, RemoteStore};
use crate::key::Key;

/// Stores an entry: by one conditional `PUT`, or in parts when it is large.
pub(super) fn put(remote: &RemoteStore, key: Key, parts: &[&[u8]]) -> io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len >= MULTIPART_THRESHOLD {
        return put_multipart(remote, key, parts);
    }
    let entry = parts.concat();
    let prefix_len = (COMPARED_PREFIX as usize).min(entry.len());
    let head = entry[..prefix_len].to_vec();
    let payload = PutPayload::from(entry);
    let (store, path) = (Arc::clone(&remote.store), remote.path(key));
    remote.request(async move {
        let create = PutOptions::from(PutMode::Create);
        let err = match store.put_opts(&path, payload.clone(), create).await {
            Ok(_) => return Ok(()),
            Err(e @ object_store::Error::AlreadyExists { .. }) => e,
            Err(e) => return Err(e),
        };
        // The key is taken: by this very entry (another writer got there first), or by
        // another one, which is replaced only if it is still the one compared.
        let options = GetOptions {
            range: Some(GetRange::Bounded(0..COMPARED_PREFIX)),
            ..GetOptions::default()
        };
        let existing = match store.get_opts(&path, options).await {
            Ok(result) => {
                let meta = result.meta.clone();
                (result.bytes().await?, meta)
            }
            // Removed in the meantime: try once more from the start.
            Err(object_store::Error::NotFound { .. }) => {
                let create = PutOptions::from(PutMode::Create);
                return match store.put_opts(&path, payload, create).await {
                    Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
                    Err(e) => Err(e),
                };
            }
            Err(e) => return Err(e),
        };
        let (bytes, meta) = existing;
        if meta.size == len as u64 && bytes[..] == head[..] {
            return Ok(());
        }
        let Some(e_tag) = meta.e_tag.clone() else {
            return Err(err);
        };
        let update = PutOptions::from(PutMode::Update(UpdateVersion {
            e_tag: Some(e_tag),
            version: meta.version.clone(),
        }));
        match store.put_opts(&path, payload, update).await {
            // Replaced since it was compared: the other writer's entry stands.
            Ok(_) | Err(object_store::Error::Precondition { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    })
}

/// Uploads a large entry in parts, several at once, unless it is there already; a failed
/// upload is aborted, so that no part of it is kept (see the README on the bucket rule that
/// removes uploads whose writer was killed).
fn put_multipart(remote: &RemoteStore, key: Key, parts: &[&[u8]]) -> io::Result<()> {
    let (store, path) = (Arc::clone(&remote.store), remote.path(key));
    let owned: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
    let len: usize = owned.iter().map(Vec::len).sum();
    let head: Vec<u8> = parts
        .iter()
        .flat_map(|p| p.iter().copied())
        .take(COMPARED_PREFIX as usize)
        .collect();
    remote.request(async move {
        // The same entry is there already: done. Another one (damaged, unsigned, forged)
        // is replaced: a multipart upload cannot be conditional.
        let options = GetOptions {
            range: Some(GetRange::Bounded(0..COMPARED_PREFIX)),
            ..GetOptions::default()
        };
        match store.get_opts(&path, options).await {
            Ok(result) => {
                let size = result.meta.size;
                if size == len as u64 && result.bytes().await?[..] == head[..] {
                    return Ok(());
                }
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let upload = store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        for part in owned {
            for chunk in part.chunks(PART_SIZE) {
                if let Err(e) = writer.wait_for_capacity(PART_CONCURRENCY).await {
                    let _ = writer.abort().await;
                    return Err(e);
                }
                writer.write(chunk);
            }
        }
        // `finish` aborts the upload itself when a part fails.
        writer.finish().await.map(drop)
    })
}
