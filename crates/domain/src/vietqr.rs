//! VietQR: the NAPAS 247 profile of EMVCo's merchant-presented QR code (EMV QRCPS), with which
//! a citizen pays a fee by bank transfer to the receiving agency's account (Circular
//! 21/2023/TT-NHNN on payment QR codes; NAPAS "VietQR" specification).
//!
//! A payload is a string of data objects, each `ID` (2 digits), length (2 digits) and value;
//! some values are themselves such strings. The last object is the CRC (`63`), a
//! CRC-16/CCITT-FALSE over everything before its value, in upper-case hexadecimal.

use serde::{Deserialize, Serialize};

/// NAPAS's globally unique identifier, the first object under tag 38.
pub const NAPAS_GUID: &str = "A000000727";
/// The service "inter-bank fund transfer 24/7 to an account".
pub const TO_ACCOUNT: &str = "QRIBFTTA";
/// Point of initiation of a code made for one payment (its amount is fixed).
pub const DYNAMIC: &str = "12";
/// ISO 4217 for the đồng.
pub const CURRENCY_VND: &str = "704";
/// The longest purpose the additional data's object 08 takes.
pub const PURPOSE_MAX: usize = 25;

/// The account an agency receives fees in (an administrator enters it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beneficiary {
    /// The bank's BIN: 6 digits (e.g. 970415 for VietinBank).
    pub bank_bin: String,
    pub account_no: String,
    /// The account holder's name as the bank shows it (upper case, no diacritics).
    pub account_name: String,
}

/// The longest account holder's name taken.
pub const ACCOUNT_NAME_MAX: usize = 70;

impl Beneficiary {
    /// Checks and tidies an account as typed: spaces dropped from the numbers, the name in
    /// upper case without diacritics (as banks print it).
    pub fn parse(
        bank_bin: &str,
        account_no: &str,
        account_name: &str,
    ) -> Result<Self, VietQrError> {
        let digits = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let (bank_bin, account_no) = (digits(bank_bin), digits(account_no));
        if bank_bin.len() != 6 || !bank_bin.chars().all(|c| c.is_ascii_digit()) {
            return Err(VietQrError::BankBin);
        }
        if !(1..=19).contains(&account_no.len())
            || !account_no.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(VietQrError::Account);
        }
        let name = crate::text::unaccented(account_name)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        if name.is_empty() || name.len() > ACCOUNT_NAME_MAX {
            return Err(VietQrError::AccountName);
        }
        Ok(Beneficiary {
            bank_bin,
            account_no,
            account_name: name,
        })
    }

    /// A transfer of `amount_vnd` to this account for `purpose`.
    pub fn transfer(&self, amount_vnd: u64, purpose: &str) -> Transfer {
        Transfer {
            bank_bin: self.bank_bin.clone(),
            account: self.account_no.clone(),
            amount_vnd,
            purpose: purpose.to_owned(),
        }
    }
}

/// A transfer to be asked for: to whom, how much, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The beneficiary bank's BIN (6 digits, the State Bank's bank identification number).
    pub bank_bin: String,
    /// The receiving agency's account number there.
    pub account: String,
    /// In đồng.
    pub amount_vnd: u64,
    /// What the transfer is for: the dossier code, so the statement line can be matched.
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("mã ngân hàng (BIN) phải có 6 chữ số")]
    BankBin,
    #[error("số tài khoản phải có từ 1 đến 19 chữ số hoặc chữ cái")]
    Account,
    #[error("phải có tên chủ tài khoản, tối đa {ACCOUNT_NAME_MAX} ký tự")]
    AccountName,
    #[error("số tiền phải lớn hơn 0 và có tối đa 13 chữ số")]
    Amount,
    #[error("nội dung chuyển khoản có tối đa {PURPOSE_MAX} ký tự, không dấu")]
    Purpose,
    #[error("mã VietQR không đọc được: {0}")]
    Malformed(&'static str),
    #[error("mã VietQR sai mã kiểm tra (CRC)")]
    Crc,
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
pub fn crc16_ccitt_false(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn object(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// The purpose as banks carry it: no diacritics, printable ASCII.
fn purpose_text(raw: &str) -> Option<String> {
    let text = crate::text::unaccented(raw).trim().to_owned();
    let fits = !text.is_empty()
        && text.len() <= PURPOSE_MAX
        && text.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    fits.then_some(text)
}

impl Transfer {
    /// The payload to draw as a QR code.
    pub fn payload(&self) -> Result<String, VietQrError> {
        if self.bank_bin.len() != 6 || !self.bank_bin.chars().all(|c| c.is_ascii_digit()) {
            return Err(VietQrError::BankBin);
        }
        if !(1..=19).contains(&self.account.len())
            || !self.account.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(VietQrError::Account);
        }
        if self.amount_vnd == 0 || self.amount_vnd > 9_999_999_999_999 {
            return Err(VietQrError::Amount);
        }
        let purpose = purpose_text(&self.purpose).ok_or(VietQrError::Purpose)?;
        let beneficiary = object("00", &self.bank_bin) + &object("01", &self.account);
        let merchant =
            object("00", NAPAS_GUID) + &object("01", &beneficiary) + &object("02", TO_ACCOUNT);
        let mut payload = [
            object("00", "01"),
            object("01", DYNAMIC),
            object("38", &merchant),
            object("53", CURRENCY_VND),
            object("54", &self.amount_vnd.to_string()),
            object("58", "VN"),
            object("62", &object("08", &purpose)),
        ]
        .concat();
        payload.push_str("6304");
        let crc = crc16_ccitt_false(payload.as_bytes());
        payload.push_str(&format!("{crc:04X}"));
        Ok(payload)
    }
}

/// The data objects of a payload (or of an object's value), in order.
pub fn objects(payload: &str) -> Result<Vec<(&str, &str)>, VietQrError> {
    let mut out = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let (id, after) = rest
            .split_at_checked(2)
            .ok_or(VietQrError::Malformed("thiếu mã trường"))?;
        let (len, after) = after
            .split_at_checked(2)
            .ok_or(VietQrError::Malformed("thiếu độ dài"))?;
        let len: usize = len
            .parse()
            .map_err(|_| VietQrError::Malformed("độ dài không phải số"))?;
        let (value, after) = after
            .split_at_checked(len)
            .ok_or(VietQrError::Malformed("trường ngắn hơn độ dài"))?;
        out.push((id, value));
        rest = after;
    }
    Ok(out)
}

/// What a VietQR payload asks for, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub point_of_initiation: String,
    pub guid: String,
    pub bank_bin: String,
    pub account: String,
    pub service: String,
    pub currency: String,
    pub amount_vnd: Option<u64>,
    pub country: String,
    pub purpose: Option<String>,
}

fn find<'a>(objects: &[(&str, &'a str)], id: &str) -> Option<&'a str> {
    objects.iter().find(|(i, _)| *i == id).map(|(_, v)| *v)
}

/// Reads a payload, checking its CRC first.
pub fn decode(payload: &str) -> Result<Decoded, VietQrError> {
    let (body, crc) = payload
        .len()
        .checked_sub(4)
        .and_then(|at| payload.split_at_checked(at))
        .ok_or(VietQrError::Malformed("quá ngắn"))?;
    if !body.ends_with("6304") {
        return Err(VietQrError::Malformed("không kết thúc bằng mã kiểm tra"));
    }
    let expected = format!("{:04X}", crc16_ccitt_false(body.as_bytes()));
    if !crc.eq_ignore_ascii_case(&expected) {
        return Err(VietQrError::Crc);
    }
    let top = objects(payload)?;
    let missing = VietQrError::Malformed("thiếu trường bắt buộc");
    let merchant = objects(find(&top, "38").ok_or(missing.clone())?)?;
    let beneficiary = objects(find(&merchant, "01").ok_or(missing.clone())?)?;
    let additional = match find(&top, "62") {
        Some(v) => objects(v)?,
        None => Vec::new(),
    };
    let text = |objects: &[(&str, &str)], id: &str| find(objects, id).unwrap_or("").to_owned();
    Ok(Decoded {
        point_of_initiation: text(&top, "01"),
        guid: text(&merchant, "00"),
        bank_bin: text(&beneficiary, "00"),
        account: text(&beneficiary, "01"),
        service: text(&merchant, "02"),
        currency: text(&top, "53"),
        amount_vnd: find(&top, "54").and_then(|a| a.parse().ok()),
        country: text(&top, "58"),
        purpose: find(&additional, "08").map(str::to_owned),
    })
}

impl VietQrError {
    /// Stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            VietQrError::BankBin => "invalid_bank_bin",
            VietQrError::Account => "invalid_account_no",
            VietQrError::AccountName => "invalid_account_name",
            VietQrError::Amount => "invalid_amount",
            VietQrError::Purpose => "invalid_purpose",
            VietQrError::Malformed(_) => "malformed_vietqr",
            VietQrError::Crc => "vietqr_crc",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transfer code published with a VietQR generator (subiz/vietqr's README): 120 000 đ
    /// to account 0011001932418 at BIN 970415, "ung ho lu lut".
    const PUBLISHED: &str = "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C";

    #[test]
    fn the_crc_is_ccitt_false() {
        // The standard check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn a_published_code_is_read_back_field_by_field() {
        let d = decode(PUBLISHED).unwrap();
        assert_eq!(d.point_of_initiation, "12");
        assert_eq!(d.guid, NAPAS_GUID);
        assert_eq!(d.bank_bin, "970415");
        assert_eq!(d.account, "0011001932418");
        assert_eq!(d.service, TO_ACCOUNT);
        assert_eq!(d.currency, "704");
        assert_eq!(d.amount_vnd, Some(120_000));
        assert_eq!(d.country, "VN");
        assert_eq!(d.purpose.as_deref(), Some("ung ho lu lut"));
    }

    #[test]
    fn the_same_transfer_makes_the_published_code() {
        let t = Transfer {
            bank_bin: "970415".into(),
            account: "0011001932418".into(),
            amount_vnd: 120_000,
            purpose: "ủng hộ lũ lụt".into(),
        };
        assert_eq!(t.payload().unwrap(), PUBLISHED);
    }

    #[test]
    fn a_changed_character_fails_the_crc() {
        let tampered = PUBLISHED.replace("5406120000", "5406920000");
        assert_eq!(decode(&tampered), Err(VietQrError::Crc));
    }

    #[test]
    fn accounts_are_tidied_and_checked() {
        let b = Beneficiary::parse(
            " 970 415 ",
            "0011 0019 32418",
            "Văn phòng  UBND xã Đông Kinh",
        )
        .unwrap();
        assert_eq!(b.bank_bin, "970415");
        assert_eq!(b.account_no, "0011001932418");
        assert_eq!(b.account_name, "VAN PHONG UBND XA DONG KINH");
        assert_eq!(
            Beneficiary::parse("97041", "1", "A"),
            Err(VietQrError::BankBin)
        );
        assert_eq!(
            Beneficiary::parse("970415", "1/2", "A"),
            Err(VietQrError::Account)
        );
        assert_eq!(
            Beneficiary::parse("970415", "12", " "),
            Err(VietQrError::AccountName)
        );
    }

    #[test]
    fn bad_transfers_are_refused() {
        let good = Transfer {
            bank_bin: "970415".into(),
            account: "0011001932418".into(),
            amount_vnd: 50_000,
            purpose: "000.65.40.H37-251204-0001".into(),
        };
        assert!(good.payload().is_ok(), "a dossier code fits the purpose");
        let bad = |f: fn(&mut Transfer)| {
            let mut t = good.clone();
            f(&mut t);
            t.payload().unwrap_err()
        };
        assert_eq!(bad(|t| t.bank_bin = "97041".into()), VietQrError::BankBin);
        assert_eq!(bad(|t| t.account = "12-34".into()), VietQrError::Account);
        assert_eq!(bad(|t| t.amount_vnd = 0), VietQrError::Amount);
        assert_eq!(bad(|t| t.purpose = "x".repeat(26)), VietQrError::Purpose);
    }
}
