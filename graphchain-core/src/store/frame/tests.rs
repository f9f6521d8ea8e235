use polars::prelude::{DataFrame, IpcWriter, NamedFrom, SerWriter, Series};

use super::{Ipc, Parquet, Unordered};
use crate::store::codec::Codec;

fn trips(rows: i64) -> DataFrame {
    let ids: Vec<i64> = (0..rows).collect();
    let fares: Vec<f64> = (0..rows).map(|i| i as f64 * 0.25).collect();
    let zones: Vec<String> = (0..rows).map(|i| format!("zone {}", i % 7)).collect();
    DataFrame::new_infer_height(vec![
        Series::new("id".into(), ids).into(),
        Series::new("fare".into(), fares).into(),
        Series::new("zone".into(), zones).into(),
    ])
    .unwrap()
}

fn round_trip<C: Codec<DataFrame>>(frame: &DataFrame) -> DataFrame {
    let mut bytes = Vec::new();
    C::encode(frame, &mut bytes).unwrap();
    C::decode(&bytes).unwrap()
}

#[test]
fn ipc_and_parquet_give_back_the_frame() {
    let frame = trips(10_000);
    assert!(round_trip::<Ipc>(&frame).equals_missing(&frame));
    assert!(round_trip::<Parquet>(&frame).equals_missing(&frame));
}

#[test]
fn an_empty_frame_round_trips() {
    let frame = trips(0);
    let back = round_trip::<Ipc>(&frame);
    assert_eq!(back.height(), 0);
    assert_eq!(back.schema(), frame.schema());
}

#[test]
fn equal_frames_in_other_chunks_encode_to_equal_bytes() {
    let whole = trips(1_000);
    let mut pieces = trips(400);
    pieces.vstack_mut(&trips(1_000).slice(400, 600)).unwrap();
    assert!(pieces.max_n_chunks() > 1);
    assert!(pieces.equals_missing(&whole));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    Ipc::encode(&whole, &mut a).unwrap();
    Ipc::encode(&pieces, &mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bytes_that_are_no_frame_are_an_error_not_a_panic() {
    let mut bytes = Vec::new();
    Ipc::encode(&trips(100), &mut bytes).unwrap();
    for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
        let err = Ipc::decode(&bytes[..cut]).unwrap_err();
        assert!(
            err.to_string().contains("not a valid Arrow IPC frame"),
            "{err}"
        );
    }
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    // Either an error or the same-shaped frame: never a panic escaping the codec.
    let _ = Ipc::decode(&flipped);
    assert!(Parquet::decode(b"PAR1 not parquet PAR1").is_err());
}

#[test]
fn an_ipc_entry_is_an_arrow_ipc_file_in_an_lz4_frame() {
    use std::io::{Cursor, Read};

    use polars::prelude::{IpcReader, SerReader};

    let frame = long_trips(3 * super::BATCH_ROWS as i64);
    let mut bytes = Vec::new();
    Ipc::encode(&frame, &mut bytes).unwrap();
    let (lz4, trailer) = bytes.split_at(bytes.len() - 16);
    // An LZ4 skippable frame, which LZ4 decoders pass over, holding the IPC file's size.
    assert_eq!(trailer[..8], [0x5a, 0x2a, 0x4d, 0x18, 8, 0, 0, 0]);
    let mut ipc = Vec::new();
    lz4_flex::frame::FrameDecoder::new(lz4)
        .read_to_end(&mut ipc)
        .unwrap();
    assert_eq!(
        ipc.len() as u64,
        u64::from_le_bytes(trailer[8..].try_into().unwrap())
    );
    assert!(
        ipc.len() > 2 * lz4.len(),
        "{} bytes of IPC in {}",
        ipc.len(),
        lz4.len()
    );
    let read = IpcReader::new(Cursor::new(ipc)).finish().unwrap();
    assert!(read.equals_missing(&frame));
}

#[test]
fn an_ipc_size_that_is_not_the_frames_is_an_error() {
    let mut bytes = Vec::new();
    Ipc::encode(&trips(1_000), &mut bytes).unwrap();
    let at = bytes.len() - 8;
    let size = u64::from_le_bytes(bytes[at..].try_into().unwrap());
    // The largest size so many bytes of LZ4 could hold is allocated, then found wrong.
    let most = (at as u64 - 8) * 255;
    for wrong in [size - 1, size + 1, 0, most, most + 1, u64::MAX] {
        let mut changed = bytes.clone();
        changed[at..].copy_from_slice(&wrong.to_le_bytes());
        let err = Ipc::decode(&changed).unwrap_err().to_string();
        assert!(
            err.starts_with("not a valid Arrow IPC frame"),
            "{wrong}: {err}"
        );
    }
}

#[test]
fn the_codecs_name_what_they_write() {
    assert_ne!(
        <Ipc as Codec<DataFrame>>::NAME,
        <Parquet as Codec<DataFrame>>::NAME
    );
}

#[test]
fn the_unordered_hash_ignores_row_order_and_nothing_else() {
    let frame = trips(500);
    let reversed = frame.reverse();
    let hash = |f: &DataFrame| {
        let mut bytes = Vec::new();
        Unordered::<Ipc>::encode(f, &mut bytes).unwrap();
        Unordered::<Ipc>::content_hash(f, &bytes).expect("a sortable frame")
    };
    assert_eq!(hash(&frame), hash(&reversed));
    assert_ne!(hash(&frame), hash(&trips(501)));
    // The ordered codec's hash sees the order.
    let ordered = |f: &DataFrame| <Ipc as Codec<DataFrame>>::value_hash(f).unwrap();
    assert_ne!(ordered(&frame), ordered(&reversed));
}

fn frame_hash(columns: Vec<Series>) -> [u8; 32] {
    let columns = columns.into_iter().map(Into::into).collect();
    let frame = DataFrame::new_infer_height(columns).unwrap();
    <Ipc as Codec<DataFrame>>::value_hash(&frame).expect("columns of hashed types")
}

#[test]
fn the_frame_hash_is_its_content_whatever_its_chunks() {
    let whole = trips(1_000);
    let mut pieces = trips(400);
    pieces.vstack_mut(&trips(1_000).slice(400, 600)).unwrap();
    assert!(pieces.max_n_chunks() > 1);
    let hash = |f: &DataFrame| <Ipc as Codec<DataFrame>>::value_hash(f).unwrap();
    assert_eq!(hash(&whole), hash(&pieces));
    // The default content hash of the codec is this hash, whatever the bytes.
    assert_eq!(
        <Ipc as Codec<DataFrame>>::content_hash(&whole, b"anything"),
        Some(hash(&whole))
    );
    assert_eq!(
        <Parquet as Codec<DataFrame>>::value_hash(&pieces),
        Some(hash(&whole))
    );
}

#[test]
fn frames_that_differ_in_anything_hash_differently() {
    let base = frame_hash(vec![Series::new("a".into(), [1i64, 2, 3])]);
    let others = [
        // A value, a name, a type, a length.
        frame_hash(vec![Series::new("a".into(), [1i64, 2, 4])]),
        frame_hash(vec![Series::new("b".into(), [1i64, 2, 3])]),
        frame_hash(vec![Series::new("a".into(), [1i32, 2, 3])]),
        frame_hash(vec![Series::new("a".into(), [1i64, 2])]),
        // A null where a zero was, and the other way round.
        frame_hash(vec![Series::new("a".into(), [Some(1i64), None, Some(3)])]),
        frame_hash(vec![Series::new(
            "a".into(),
            [Some(1i64), Some(0), Some(3)],
        )]),
        // Another column beside it.
        frame_hash(vec![
            Series::new("a".into(), [1i64, 2, 3]),
            Series::new("c".into(), [true, false, true]),
        ]),
    ];
    for (n, other) in others.iter().enumerate() {
        assert_ne!(&base, other, "variant {n}");
    }
    assert_ne!(others[4], others[5]);
    // Strings are delimited: the same characters split otherwise are another content.
    assert_ne!(
        frame_hash(vec![Series::new("s".into(), ["ab", "c"])]),
        frame_hash(vec![Series::new("s".into(), ["a", "bc"])]),
    );
    assert_ne!(
        frame_hash(vec![Series::new("s".into(), [Some("a"), None])]),
        frame_hash(vec![Series::new("s".into(), [Some("a"), Some("")])]),
    );
    assert_ne!(
        frame_hash(vec![Series::new("b".into(), [Some(true), None])]),
        frame_hash(vec![Series::new("b".into(), [Some(true), Some(false)])]),
    );
}

#[test]
fn the_frame_hash_of_equal_frames_is_equal() {
    let make = || {
        frame_hash(vec![
            Series::new("n".into(), [Some(1.5f64), None]),
            Series::new(
                "s".into(),
                [Some("a long string beyond twelve bytes"), None],
            ),
            Series::new("b".into(), [false, true]),
        ])
    };
    assert_eq!(make(), make());
}

/// Trips with a column of long strings (kept in buffers apart from the views).
fn long_trips(rows: i64) -> DataFrame {
    let mut frame = trips(rows);
    let notes: Vec<String> = (0..rows)
        .map(|i| format!("a note longer than twelve bytes, {}", i % 13))
        .collect();
    frame
        .with_column(Series::new("note".into(), notes).into())
        .unwrap();
    frame
}

#[test]
fn a_tall_frame_is_written_in_batches_whatever_its_chunks() {
    let rows = 3 * super::BATCH_ROWS as i64 + 5;
    let whole = long_trips(rows);
    let split = super::BATCH_ROWS as i64 + 1_000;
    let mut pieces = whole.slice(0, split as usize);
    pieces
        .vstack_mut(&whole.slice(split, rows as usize))
        .unwrap();
    assert!(pieces.max_n_chunks() > 1);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    Ipc::encode(&whole, &mut a).unwrap();
    Ipc::encode(&pieces, &mut b).unwrap();
    assert_eq!(a, b);
    let back = Ipc::decode(&a).unwrap();
    assert!(back.equals_missing(&whole));
    assert_eq!(back.first_col_n_chunks(), 4);
}

#[test]
fn batches_of_strings_hold_only_their_own_bytes() {
    // A window of a column of long strings shares its buffers with the other windows; the
    // entry holds each string once all the same, as a single batch of the whole frame would.
    let frame = long_trips(4 * super::BATCH_ROWS as i64);
    let mut batched = Vec::new();
    write_ipc_plain(&frame, &mut batched);
    let mut single = Vec::new();
    IpcWriter::new(&mut single)
        .finish(&mut frame.clone())
        .unwrap();
    assert!(
        batched.len() < single.len() * 11 / 10,
        "{} bytes in batches, {} in one",
        batched.len(),
        single.len()
    );
}

/// Uncompressed, so that sizes follow the bytes held.
fn write_ipc_plain(frame: &DataFrame, out: &mut Vec<u8>) {
    super::write_ipc(frame, out).unwrap();
}
