-- Procedure catalogue: sectors, procedures and their versions, publication decisions,
-- assignments to levels and agencies over time, named sets, and the catalogue revision.
-- Keep in step with ../postgres/0004_catalogue.sql (a test compares the two schemas).

-- Lĩnh vực: data, not code. The national sector list, as far as the demo needs it.
CREATE TABLE sectors (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL
);
INSERT INTO sectors (code, name) VALUES
    ('ho_tich', 'Hộ tịch'),
    ('chung_thuc', 'Chứng thực'),
    ('ly_lich_tu_phap', 'Lý lịch tư pháp'),
    ('cong_chung', 'Công chứng'),
    ('dat_dai', 'Đất đai'),
    ('moi_truong', 'Môi trường'),
    ('xay_dung', 'Hoạt động xây dựng'),
    ('nha_o', 'Nhà ở và thị trường bất động sản'),
    ('kinh_doanh', 'Thành lập và hoạt động của doanh nghiệp, hộ kinh doanh'),
    ('thuong_mai', 'Lưu thông hàng hóa trong nước'),
    ('bao_tro_xa_hoi', 'Bảo trợ xã hội'),
    ('nguoi_co_cong', 'Người có công'),
    ('viec_lam', 'Việc làm'),
    ('lao_dong', 'Lao động'),
    ('kham_chua_benh', 'Khám bệnh, chữa bệnh'),
    ('an_toan_thuc_pham', 'An toàn thực phẩm'),
    ('giao_duc', 'Giáo dục và Đào tạo'),
    ('van_bang', 'Hệ thống văn bằng, chứng chỉ'),
    ('nong_nghiep', 'Nông nghiệp và phát triển nông thôn'),
    ('phong_chong_thien_tai', 'Phòng, chống thiên tai'),
    ('thuy_loi', 'Thủy lợi'),
    ('van_hoa', 'Văn hóa'),
    ('ton_giao', 'Tín ngưỡng, tôn giáo'),
    ('thi_dua_khen_thuong', 'Thi đua, khen thưởng'),
    ('giao_thong', 'Đường bộ');

-- A chairperson's decision that publishes or withdraws procedures.
CREATE TABLE publication_decisions (
    id             BLOB NOT NULL PRIMARY KEY,
    number         TEXT NOT NULL,
    decided_on     TEXT NOT NULL,
    signer         TEXT NOT NULL,
    -- How many procedures the decision was required to publish, when known.
    required_count BIGINT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX publication_decisions_number ON publication_decisions (number);

-- One row per procedure code; the version now published, if any.
CREATE TABLE procedures (
    code               TEXT NOT NULL PRIMARY KEY,
    current_version_id BLOB,
    created_at         TEXT NOT NULL
);

-- Every version of every procedure. The body is the whole procedure as JSON; the
-- columns beside it repeat what lists and filters need.
CREATE TABLE procedure_versions (
    id                    BLOB NOT NULL PRIMARY KEY,
    code                  TEXT NOT NULL REFERENCES procedures (code),
    version_no            BIGINT NOT NULL,
    state                 TEXT NOT NULL,
    name                  TEXT NOT NULL,
    name_folded           TEXT NOT NULL,
    sector_code           TEXT NOT NULL REFERENCES sectors (code),
    levels                TEXT NOT NULL,
    online_level          TEXT NOT NULL,
    agency_code           TEXT REFERENCES agencies (code),
    agency_kind           TEXT,
    valid_from            TEXT,
    valid_to              TEXT,
    body                  TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    published_by          TEXT,
    published_at          TEXT,
    published_decision_id BLOB REFERENCES publication_decisions (id),
    ended_by              TEXT,
    ended_at              TEXT,
    ended_decision_id     BLOB REFERENCES publication_decisions (id)
);
CREATE UNIQUE INDEX procedure_versions_code_no ON procedure_versions (code, version_no);
CREATE INDEX procedure_versions_state ON procedure_versions (state);
CREATE INDEX procedure_versions_published_decision ON procedure_versions (published_decision_id);

-- Which level and agency (or kind of agency) handle a procedure, over time.
-- Devolution closes rows and opens new ones from its effective date.
CREATE TABLE procedure_assignments (
    id             BLOB NOT NULL PRIMARY KEY,
    procedure_code TEXT NOT NULL REFERENCES procedures (code),
    level          TEXT NOT NULL,
    agency_code    TEXT REFERENCES agencies (code),
    agency_kind    TEXT,
    effective_from TEXT NOT NULL,
    effective_to   TEXT,
    decision_id    BLOB REFERENCES publication_decisions (id),
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX procedure_assignments_code ON procedure_assignments (procedure_code);
CREATE INDEX procedure_assignments_from ON procedure_assignments (effective_from);

-- Named sets of procedures, e.g. the 25 essential online public services.
CREATE TABLE procedure_sets (
    code        TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO procedure_sets (code, name, description) VALUES
    ('dvc_thiet_yeu', '25 dịch vụ công trực tuyến thiết yếu',
     'Nhóm dịch vụ công thiết yếu được ưu tiên cung cấp trực tuyến toàn trình trên dữ liệu.');

CREATE TABLE procedure_set_members (
    set_code       TEXT NOT NULL REFERENCES procedure_sets (code),
    procedure_code TEXT NOT NULL REFERENCES procedures (code),
    PRIMARY KEY (set_code, procedure_code)
);
CREATE INDEX procedure_set_members_procedure ON procedure_set_members (procedure_code);

-- Bumped by every catalogue write, so each app node can tell that its index is stale.
CREATE TABLE catalogue_revision (
    id       BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO catalogue_revision (id, revision) VALUES (1, 0);
