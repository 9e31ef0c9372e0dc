//! A column of numbers: a vector, or the values read in place from a
//! mapped kept file (`cache::checked`), whose bytes are the values.
//!
//! The codes of ten million transactions are 290 MB. Decoded into new
//! vectors, every run paid for a copy, and the kernel for zeroing each new
//! page: a third of the CPU of `classify` from its kept files (`perf`:
//! `clear_page_erms` 37 %). Where the file's values are aligned for their
//! type and the machine is little-endian (the file's order), a column is a
//! view of the mapped, checked file instead; elsewhere it is decoded as
//! before. Either way it reads as a slice (`Deref`), and it can be built
//! like a vector (`push`, `append`, `reserve`, `collect`).

use crate::analytics::cache::Checked;
use std::marker::PhantomData;
use std::sync::Arc;

/// A column of `T`: owned, or a stretch of a mapped kept file.
pub struct Column<T> {
    owned: Vec<T>,
    /// the file, the first value's byte in it and how many values; when
    /// set, the values are these and `owned` is empty
    mapped: Option<(Arc<Checked>, usize, usize)>,
    of: PhantomData<T>,
}

impl<T: bytemuck::Pod> Column<T> {
    /// The `len` values at byte `at` of `file`: in place when they are
    /// aligned for `T` on a little-endian machine, else `decode`d from their
    /// bytes. `None` when the file is shorter than that.
    pub(crate) fn of_file(
        file: &Arc<Checked>,
        at: usize,
        len: usize,
        decode: impl FnOnce(&[u8]) -> Vec<T>,
    ) -> Option<Column<T>> {
        let bytes = file.get(at..at.checked_add(len.checked_mul(size_of::<T>())?)?)?;
        if cfg!(target_endian = "little") && bytemuck::try_cast_slice::<u8, T>(bytes).is_ok() {
            return Some(Column {
                owned: Vec::new(),
                mapped: Some((Arc::clone(file), at, len)),
                of: PhantomData,
            });
        }
        Some(decode(bytes).into())
    }

    /// Is this column a view of a mapped file?
    pub fn is_mapped(&self) -> bool {
        self.mapped.is_some()
    }

    /// The values as a vector of their own, to be changed.
    fn owned(&mut self) -> &mut Vec<T> {
        if self.mapped.is_some() {
            self.owned = self.to_vec();
            self.mapped = None;
        }
        &mut self.owned
    }

    pub fn push(&mut self, v: T) {
        self.owned().push(v);
    }

    pub fn reserve(&mut self, n: usize) {
        self.owned().reserve(n);
    }

    /// Move `other`'s values after these, leaving it empty (with its room,
    /// as `Vec::append` does: the parts of a reading are reused).
    pub fn append(&mut self, other: &mut Column<T>) {
        self.owned().append(other.owned());
    }

    /// Move the values of `other` after these, as [`Column::append`].
    pub fn append_vec(&mut self, other: &mut Vec<T>) {
        self.owned().append(other);
    }
}

impl<T: bytemuck::Pod> Extend<T> for Column<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.owned().extend(iter);
    }
}

impl<T: bytemuck::Pod> std::ops::Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.mapped {
            None => &self.owned,
            // aligned and in the file: checked when the column was made, and
            // the mapped file does not change
            Some((file, at, len)) => file
                .get(*at..*at + *len * size_of::<T>())
                .and_then(|b| bytemuck::try_cast_slice(b).ok())
                .unwrap_or_default(),
        }
    }
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T> From<Vec<T>> for Column<T> {
    fn from(owned: Vec<T>) -> Self {
        Column {
            owned,
            mapped: None,
            of: PhantomData,
        }
    }
}

impl<T> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<T: bytemuck::Pod + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: bytemuck::Pod + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
