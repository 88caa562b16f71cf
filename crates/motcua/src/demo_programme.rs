//! The demo's second step: the transformation programme "Chuẩn bị vận hành chính quyền
//! địa phương 2 cấp" (6 groups, 24 tasks, in our own words, with a history of reports
//! and one review session) and a few news articles about the change in Lạng Sơn.
//! People and e-mail addresses are invented; addresses use the reserved `.example` domain.

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::news::ArticleDraft;
use motcua_domain::programme::{Progress, TaskChange, TaskStatus};
use motcua_store::{NewProgramme, NewTask, NewTaskGroup, Store};

pub const PROGRAMME_TITLE: &str = "Chuẩn bị vận hành chính quyền địa phương 2 cấp";

const UBND_TINH: &str = "Ủy ban nhân dân tỉnh Lạng Sơn";
const TRUNG_TAM: &str = "Trung tâm Phục vụ hành chính công tỉnh Lạng Sơn";
const TU_PHAP: &str = "Sở Tư pháp";
const NOI_VU: &str = "Sở Nội vụ";
const TAI_CHINH: &str = "Sở Tài chính";
const NN_MT: &str = "Sở Nông nghiệp và Môi trường";
const Y_TE: &str = "Sở Y tế";
const DONG_KINH: &str = "Ủy ban nhân dân phường Đông Kinh";
const THAT_KHE: &str = "Ủy ban nhân dân xã Thất Khê";
const DONG_DANG: &str = "Ủy ban nhân dân xã Đồng Đăng";

use TaskStatus::{Done, InProgress as Doing};

/// A report in the demo history: (month, day, hour) in 2025 at UTC+7, status, progress, note, link.
type Step = (
    (u32, u32, u32),
    TaskStatus,
    i64,
    &'static str,
    Option<&'static str>,
);

struct DemoTask {
    title: &'static str,
    description: &'static str,
    agency: &'static str,
    person: &'static str,
    email: Option<&'static str>,
    cooperators: &'static [&'static str],
    deadline: (i32, u32, u32),
    steps: &'static [Step],
}

struct DemoGroup {
    title: &'static str,
    description: &'static str,
    tasks: [DemoTask; 4],
}

/// When the demo's review session was closed: 4 July 2025, 09:00 at UTC+7.
pub fn demo_review_at() -> DateTime<Utc> {
    vn(7, 4, 9)
}

fn vn(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    motcua_domain::calendar::VN_OFFSET
        .with_ymd_and_hms(2025, month, day, hour, 0, 0)
        .single()
        .expect("valid demo instant")
        .with_timezone(&Utc)
}

const GROUPS: [DemoGroup; 6] = [
    DemoGroup {
        title: "Thể chế, quy chế và kiến trúc",
        description: "Hoàn thiện các quy định, quy chế và kiến trúc làm nền cho bộ máy mới.",
        tasks: [
            DemoTask {
                title: "Sửa đổi quy chế làm việc của UBND tỉnh và ban hành quy chế mẫu cho UBND cấp xã",
                description: "Rà soát quy chế làm việc hiện hành, bỏ các quy định về cấp huyện, bổ sung quan hệ công tác trực tiếp giữa tỉnh và xã.",
                agency: UBND_TINH,
                person: "Hoàng Văn Minh, Phó Chánh Văn phòng UBND tỉnh",
                email: Some("minh.hv@vanphong.langson.example"),
                cooperators: &[NOI_VU, TU_PHAP],
                deadline: (2025, 6, 25),
                steps: &[
                    (
                        (6, 10, 9),
                        Doing,
                        30,
                        "Đã có dự thảo, đang lấy ý kiến các sở.",
                        None,
                    ),
                    (
                        (6, 23, 16),
                        Done,
                        100,
                        "UBND tỉnh đã ban hành quy chế và quy chế mẫu.",
                        Some("https://langson.gov.vn/van-ban/quy-che-lam-viec-2025"),
                    ),
                ],
            },
            DemoTask {
                title: "Công bố danh mục thủ tục hành chính áp dụng trên địa bàn tỉnh sau phân cấp",
                description: "Tổng hợp các thủ tục do bộ, ngành công bố theo các nghị định phân quyền, phân cấp; trình Chủ tịch UBND tỉnh công bố danh mục áp dụng tại tỉnh và tại cấp xã.",
                agency: TU_PHAP,
                person: "Vi Thị Dung, Phó Giám đốc Sở Tư pháp",
                email: Some("dung.vt@stp.langson.example"),
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 6, 28),
                steps: &[
                    (
                        (6, 15, 10),
                        Doing,
                        50,
                        "Đã tổng hợp danh mục của 12 lĩnh vực.",
                        None,
                    ),
                    (
                        (6, 27, 15),
                        Done,
                        100,
                        "Đã có quyết định công bố danh mục.",
                        Some("https://langson.gov.vn/van-ban/danh-muc-tthc-2025"),
                    ),
                ],
            },
            DemoTask {
                title: "Xây dựng quy trình nội bộ, quy trình điện tử cho các thủ tục được phân cấp",
                description: "Vẽ lại các bước, người thực hiện và thời gian của từng thủ tục chuyển từ cấp huyện về cấp xã hoặc lên cấp tỉnh; cấu hình trên hệ thống giải quyết thủ tục.",
                agency: TU_PHAP,
                person: "Lý Văn Cường, Trưởng phòng Hành chính tư pháp",
                email: None,
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 7, 15),
                steps: &[
                    (
                        (6, 20, 9),
                        Doing,
                        40,
                        "Xong quy trình của lĩnh vực hộ tịch, chứng thực.",
                        None,
                    ),
                    (
                        (7, 8, 14),
                        Doing,
                        70,
                        "Thêm lĩnh vực đất đai và đăng ký kinh doanh.",
                        None,
                    ),
                ],
            },
            DemoTask {
                title: "Cập nhật Kiến trúc chính quyền số của tỉnh theo mô hình hai cấp",
                description: "Điều chỉnh kiến trúc tổng thể: bỏ thành phần cấp huyện, bổ sung luồng kết nối trực tiếp giữa hệ thống của tỉnh và 65 đơn vị cấp xã.",
                agency: UBND_TINH,
                person: "Nguyễn Thị Lan, Chuyên viên Văn phòng UBND tỉnh",
                email: None,
                cooperators: &[],
                deadline: (2025, 9, 30),
                steps: &[
                    ((6, 25, 9), Doing, 20, "Đã khảo sát hiện trạng.", None),
                    (
                        (7, 15, 10),
                        Doing,
                        40,
                        "Dự thảo kiến trúc phiên bản mới.",
                        None,
                    ),
                ],
            },
        ],
    },
    DemoGroup {
        title: "Tổ chức bộ máy và nhân sự",
        description: "Bộ máy cấp xã mới đủ người, đúng việc từ ngày đầu vận hành.",
        tasks: [
            DemoTask {
                title: "Hoàn thành sắp xếp tổ chức bộ máy của 65 đơn vị hành chính cấp xã",
                description: "Thành lập các phòng chuyên môn và bộ phận một cửa của 61 xã và 4 phường theo Nghị quyết 1672/NQ-UBTVQH15.",
                agency: NOI_VU,
                person: "Đặng Văn Quý, Giám đốc Sở Nội vụ",
                email: Some("quy.dv@snv.langson.example"),
                cooperators: &[],
                deadline: (2025, 6, 30),
                steps: &[
                    ((6, 12, 9), Doing, 60, "Đã có đề án cho 40 đơn vị.", None),
                    (
                        (6, 28, 17),
                        Done,
                        100,
                        "65 đơn vị đã có quyết định thành lập bộ máy.",
                        None,
                    ),
                ],
            },
            DemoTask {
                title: "Bố trí công chức làm việc tại bộ phận một cửa cấp xã",
                description: "Mỗi xã, phường có ít nhất hai công chức tiếp nhận và trả kết quả, ưu tiên người đã làm việc tại bộ phận một cửa cấp huyện.",
                agency: NOI_VU,
                person: "Đặng Văn Quý, Giám đốc Sở Nội vụ",
                email: Some("quy.dv@snv.langson.example"),
                cooperators: &[DONG_KINH, THAT_KHE],
                deadline: (2025, 6, 30),
                steps: &[((6, 29, 10), Done, 100, "Đã bố trí đủ 142 công chức.", None)],
            },
            DemoTask {
                title: "Tập huấn nghiệp vụ một cửa, một cửa liên thông cho công chức cấp xã",
                description: "Tập huấn tiếp nhận hồ sơ trực tiếp và trực tuyến, số hóa hồ sơ, xử lý hồ sơ liên thông và trả kết quả điện tử.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[NOI_VU],
                deadline: (2025, 7, 10),
                steps: &[
                    ((6, 26, 9), Doing, 50, "Đã tập huấn 33 đơn vị.", None),
                    ((7, 9, 16), Doing, 80, "Đã tập huấn 52 đơn vị.", None),
                ],
            },
            DemoTask {
                title: "Phân công nhiệm vụ, cấp tài khoản và chữ ký số cho công chức phường Đông Kinh",
                description: "Giao việc cho từng công chức, cấp tài khoản trên hệ thống giải quyết thủ tục và chữ ký số cho người ký văn bản.",
                agency: DONG_KINH,
                person: "Nông Văn Đức, Chánh Văn phòng HĐND và UBND phường",
                email: Some("duc.nv@dongkinh.langson.example"),
                cooperators: &[],
                deadline: (2025, 6, 30),
                steps: &[(
                    (6, 27, 15),
                    Doing,
                    60,
                    "Đã cấp tài khoản; còn chờ chữ ký số của 3 công chức.",
                    None,
                )],
            },
        ],
    },
    DemoGroup {
        title: "Hạ tầng và kết nối",
        description: "Đường truyền, thiết bị và an toàn thông tin tại trụ sở mới.",
        tasks: [
            DemoTask {
                title: "Bảo đảm đường truyền số liệu chuyên dùng đến trụ sở của 65 đơn vị cấp xã",
                description: "Kéo mới hoặc chuyển đường truyền đến trụ sở được chọn của từng xã, phường và kiểm tra kết nối với trung tâm dữ liệu của tỉnh.",
                agency: UBND_TINH,
                person: "Hoàng Văn Minh, Phó Chánh Văn phòng UBND tỉnh",
                email: Some("minh.hv@vanphong.langson.example"),
                cooperators: &[TAI_CHINH],
                deadline: (2025, 6, 25),
                steps: &[
                    ((6, 11, 9), Doing, 70, "Đã kết nối 46 trụ sở.", None),
                    ((6, 24, 17), Done, 100, "Cả 65 trụ sở đã kết nối.", None),
                ],
            },
            DemoTask {
                title: "Trang bị máy tính, máy quét và thiết bị số hóa cho bộ phận một cửa cấp xã",
                description: "Điều chuyển thiết bị từ cấp huyện và mua bổ sung cho các đơn vị còn thiếu.",
                agency: TAI_CHINH,
                person: "Lục Văn Thành, Phó Giám đốc Sở Tài chính",
                email: None,
                cooperators: &[],
                deadline: (2025, 6, 28),
                steps: &[(
                    (6, 27, 10),
                    Done,
                    100,
                    "Đã điều chuyển 210 bộ máy tính và 70 máy quét.",
                    None,
                )],
            },
            DemoTask {
                title: "Kiểm tra an toàn thông tin hệ thống giải quyết thủ tục hành chính của tỉnh",
                description: "Đánh giá, kiểm tra an toàn thông tin theo cấp độ sau khi thêm người dùng và kết nối của cấp xã.",
                agency: UBND_TINH,
                person: "Nguyễn Thị Lan, Chuyên viên Văn phòng UBND tỉnh",
                email: None,
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 7, 31),
                steps: &[],
            },
            DemoTask {
                title: "Cải tạo khu tiếp nhận và trả kết quả tại trụ sở xã Thất Khê",
                description: "Bố trí quầy, ghế chờ, máy lấy số và lối đi cho người khuyết tật.",
                agency: THAT_KHE,
                person: "Chu Văn Bình, Phó Chủ tịch UBND xã",
                email: None,
                cooperators: &[TAI_CHINH],
                deadline: (2025, 7, 20),
                steps: &[(
                    (6, 30, 9),
                    Doing,
                    50,
                    "Đã xong phần quầy, đang lắp máy lấy số.",
                    None,
                )],
            },
        ],
    },
    DemoGroup {
        title: "Dữ liệu và danh mục đơn vị hành chính",
        description: "Dữ liệu đúng đơn vị mới, dùng chung giữa các hệ thống.",
        tasks: [
            DemoTask {
                title: "Cập nhật danh mục mã đơn vị hành chính mới vào các hệ thống dùng chung",
                description: "Thay danh mục 194 xã và 11 huyện bằng 65 đơn vị cấp xã, giữ bảng kế thừa từ đơn vị cũ sang đơn vị mới.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[],
                deadline: (2025, 6, 30),
                steps: &[(
                    (6, 29, 20),
                    Done,
                    100,
                    "Đã cập nhật và kiểm tra trên môi trường thật.",
                    None,
                )],
            },
            DemoTask {
                title: "Chuyển hồ sơ đang giải quyết của cấp huyện sang cấp xã và cấp tỉnh",
                description: "Chuyển các hồ sơ chưa có kết quả cùng lịch sử xử lý, giữ nguyên mã hồ sơ và ngày hẹn trả.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[DONG_KINH, DONG_DANG],
                deadline: (2025, 6, 30),
                steps: &[
                    ((6, 28, 9), Doing, 70, "Đã chuyển hồ sơ của 8 huyện.", None),
                    (
                        (7, 6, 11),
                        Done,
                        100,
                        "Đã chuyển xong hồ sơ của 11 huyện, thành phố.",
                        None,
                    ),
                ],
            },
            DemoTask {
                title: "Làm sạch dữ liệu đất đai và đồng bộ với Cơ sở dữ liệu quốc gia về dân cư",
                description: "Đối chiếu thông tin người sử dụng đất với dữ liệu dân cư, sửa sai lệch và cập nhật địa chỉ theo đơn vị mới.",
                agency: NN_MT,
                person: "Hà Văn Tùng, Phó Giám đốc Sở Nông nghiệp và Môi trường",
                email: None,
                cooperators: &[],
                deadline: (2025, 12, 31),
                steps: &[((6, 30, 15), Doing, 35, "Đã đối chiếu 35% số thửa.", None)],
            },
            DemoTask {
                title: "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực của phường Đông Kinh",
                description: "Số hóa các kết quả còn hiệu lực để người dân dùng lại, không phải nộp giấy tờ đã có.",
                agency: DONG_KINH,
                person: "Nông Văn Đức, Chánh Văn phòng HĐND và UBND phường",
                email: Some("duc.nv@dongkinh.langson.example"),
                cooperators: &[TRUNG_TAM],
                deadline: (2027, 6, 30),
                steps: &[(
                    (6, 30, 10),
                    Doing,
                    20,
                    "Đã số hóa sổ hộ tịch từ năm 2015.",
                    None,
                )],
            },
        ],
    },
    DemoGroup {
        title: "Ứng dụng và dịch vụ công trực tuyến",
        description: "Hệ thống giải quyết thủ tục và 25 dịch vụ công thiết yếu sẵn sàng cho cấp xã.",
        tasks: [
            DemoTask {
                title: "Cấu hình 25 dịch vụ công thiết yếu cho các đơn vị cấp xã trên hệ thống của tỉnh",
                description: "Khai báo thủ tục, quy trình, người xử lý và mẫu kết quả cho từng đơn vị.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[],
                deadline: (2025, 6, 30),
                steps: &[(
                    (6, 26, 18),
                    Done,
                    100,
                    "Đã cấu hình đủ 25 dịch vụ cho 65 đơn vị.",
                    None,
                )],
            },
            DemoTask {
                title: "Vận hành toàn trình 21 dịch vụ công thiết yếu trên cơ sở dữ liệu",
                description: "Bảo đảm 21 dịch vụ đủ điều kiện chạy toàn trình: khai thác dữ liệu dân cư, thanh toán và trả kết quả điện tử.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[],
                deadline: (2025, 6, 30),
                steps: &[
                    (
                        (6, 18, 9),
                        Doing,
                        80,
                        "17 dịch vụ đã chạy thử toàn trình.",
                        None,
                    ),
                    (
                        (6, 30, 16),
                        Done,
                        100,
                        "21 dịch vụ đã vận hành toàn trình.",
                        None,
                    ),
                ],
            },
            DemoTask {
                title: "Hoàn thiện 4 dịch vụ công thiết yếu còn lại để vận hành toàn trình",
                description: "Phối hợp với bộ, ngành hoàn thiện kết nối dữ liệu cho 4 dịch vụ chưa chạy toàn trình.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[TU_PHAP, Y_TE],
                deadline: (2025, 7, 1),
                steps: &[(
                    (6, 30, 17),
                    Doing,
                    75,
                    "3/4 dịch vụ đã chạy thử; còn chờ kết nối dữ liệu y tế.",
                    None,
                )],
            },
            DemoTask {
                title: "Kết nối thanh toán trực tuyến phí, lệ phí cho thủ tục cấp xã",
                description: "Mở tài khoản thu và kết nối nền tảng thanh toán cho 65 đơn vị cấp xã.",
                agency: TAI_CHINH,
                person: "Lục Văn Thành, Phó Giám đốc Sở Tài chính",
                email: None,
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 8, 15),
                steps: &[],
            },
        ],
    },
    DemoGroup {
        title: "Truyền thông và thông tin cho người dân",
        description: "Người dân biết nộp hồ sơ ở đâu, theo cách nào, và phản ánh được khi vướng mắc.",
        tasks: [
            DemoTask {
                title: "Niêm yết danh mục thủ tục và địa chỉ tiếp nhận tại 65 đơn vị cấp xã",
                description: "Niêm yết tại trụ sở và trên trang thông tin điện tử của từng đơn vị.",
                agency: TU_PHAP,
                person: "Vi Thị Dung, Phó Giám đốc Sở Tư pháp",
                email: Some("dung.vt@stp.langson.example"),
                cooperators: &[DONG_KINH, THAT_KHE, DONG_DANG],
                deadline: (2025, 6, 30),
                steps: &[((6, 30, 11), Done, 100, "65 đơn vị đã niêm yết.", None)],
            },
            DemoTask {
                title: "Đăng tin, bài hướng dẫn người dân trên Cổng thông tin điện tử tỉnh",
                description: "Loạt bài hướng dẫn nộp hồ sơ tại nơi ở mới, nộp trực tuyến và tra cứu kết quả.",
                agency: UBND_TINH,
                person: "Nguyễn Thị Lan, Chuyên viên Văn phòng UBND tỉnh",
                email: None,
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 7, 5),
                steps: &[
                    ((7, 1, 9), Doing, 50, "Đã đăng 3 bài.", None),
                    (
                        (7, 5, 10),
                        Done,
                        100,
                        "Đã đăng đủ 6 bài hướng dẫn.",
                        Some("https://langson.gov.vn/tin-tuc/huong-dan-nop-ho-so"),
                    ),
                ],
            },
            DemoTask {
                title: "Tổ chức đường dây nóng tiếp nhận phản ánh về vận hành mô hình hai cấp",
                description: "Công bố số điện thoại, phân công người trực và quy trình chuyển phản ánh đến nơi xử lý.",
                agency: TRUNG_TAM,
                person: "Triệu Thị Hoa, Phó Giám đốc Trung tâm",
                email: Some("hoa.tt@ttpvhcc.langson.example"),
                cooperators: &[],
                deadline: (2025, 7, 1),
                steps: &[(
                    (6, 30, 15),
                    Done,
                    100,
                    "Đường dây nóng hoạt động từ 01/7/2025.",
                    None,
                )],
            },
            DemoTask {
                title: "Khảo sát mức độ hài lòng của người dân sau ba tháng vận hành",
                description: "Khảo sát tại bộ phận một cửa và trực tuyến; báo cáo UBND tỉnh kèm kiến nghị.",
                agency: NOI_VU,
                person: "Đặng Văn Quý, Giám đốc Sở Nội vụ",
                email: Some("quy.dv@snv.langson.example"),
                cooperators: &[TRUNG_TAM],
                deadline: (2025, 10, 15),
                steps: &[],
            },
        ],
    },
];

struct DemoArticle {
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    agency: &'static str,
    published_on: (i32, u32, u32),
    featured: bool,
}

const ARTICLES: [DemoArticle; 5] = [
    DemoArticle {
        title: "Lạng Sơn chính thức vận hành chính quyền địa phương hai cấp",
        summary: "Từ ngày 01/7/2025, 65 xã, phường của tỉnh Lạng Sơn bắt đầu hoạt động theo mô hình mới, không còn cấp huyện.",
        body: "Sáng 01/7/2025, các xã, phường của tỉnh đồng loạt công bố quyết định thành lập và bắt đầu tiếp nhận hồ sơ.\n\n\
Theo Nghị quyết 1672/NQ-UBTVQH15, tỉnh có **65 đơn vị hành chính cấp xã**, gồm 61 xã và 4 phường: Đông Kinh, Lương Văn Tri, Tam Thanh và Kỳ Lừa.\n\n\
Người dân cần lưu ý:\n\n\
- hồ sơ được nộp tại bất kỳ bộ phận một cửa nào trong tỉnh, không phụ thuộc nơi cư trú;\n\
- thủ tục trước đây làm ở huyện nay làm ở xã hoặc ở tỉnh;\n\
- có thể nộp trực tuyến trên Cổng dịch vụ công.\n",
        agency: UBND_TINH,
        published_on: (2025, 7, 1),
        featured: true,
    },
    DemoArticle {
        title: "Nộp hồ sơ ở đâu cũng được: tiếp nhận không phụ thuộc địa giới hành chính",
        summary: "Trung tâm Phục vụ hành chính công và bộ phận một cửa cấp xã tiếp nhận hồ sơ của người dân ở bất kỳ đâu trong tỉnh.",
        body: "Từ tháng 7/2025, người dân **không phải về nơi thường trú** để nộp hồ sơ. Bộ phận một cửa nhận hồ sơ, số hóa và chuyển đến cơ quan có thẩm quyền.\n\n\
Kết quả được trả tại nơi đã nộp, qua bưu chính công ích hoặc trên tài khoản dịch vụ công của người dân.\n",
        agency: TRUNG_TAM,
        published_on: (2025, 7, 2),
        featured: true,
    },
    DemoArticle {
        title: "Phường Đông Kinh: những ngày đầu vận hành bộ phận một cửa",
        summary: "Trong ba ngày đầu, bộ phận một cửa phường Đông Kinh tiếp nhận hơn 300 hồ sơ, chủ yếu về hộ tịch và chứng thực.",
        body: "Bộ phận một cửa của phường bố trí **6 quầy** và một khu hướng dẫn nộp hồ sơ trực tuyến.\n\n\
Công chức của phường đã được tập huấn về quy trình mới; các trường hợp vướng mắc được báo ngay về Trung tâm Phục vụ hành chính công tỉnh.\n",
        agency: DONG_KINH,
        published_on: (2025, 7, 3),
        featured: false,
    },
    DemoArticle {
        title: "Công bố danh mục thủ tục hành chính áp dụng sau sắp xếp đơn vị hành chính",
        summary: "Chủ tịch UBND tỉnh công bố danh mục thủ tục hành chính thực hiện tại cấp tỉnh và cấp xã sau phân cấp.",
        body: "Danh mục gồm các thủ tục do bộ, ngành công bố theo các nghị định phân quyền, phân cấp, áp dụng từ ngày 01/7/2025.\n\n\
Danh mục được niêm yết tại trụ sở các xã, phường và đăng trên Cổng dịch vụ công của tỉnh.\n",
        agency: TU_PHAP,
        published_on: (2025, 6, 28),
        featured: false,
    },
    DemoArticle {
        title: "Hướng dẫn nộp hồ sơ trực tuyến cho 25 dịch vụ công thiết yếu",
        summary: "21 dịch vụ đã vận hành toàn trình; 4 dịch vụ còn lại đang được hoàn thiện.",
        body: "Để nộp hồ sơ trực tuyến, người dân đăng nhập Cổng dịch vụ công bằng tài khoản định danh điện tử, chọn thủ tục và làm theo hướng dẫn.\n\n\
1. Kiểm tra thông tin được điền sẵn từ cơ sở dữ liệu dân cư.\n\
2. Đính kèm giấy tờ còn thiếu (nếu có).\n\
3. Thanh toán phí, lệ phí trực tuyến và theo dõi kết quả.\n",
        agency: TRUNG_TAM,
        published_on: (2025, 7, 5),
        featured: false,
    },
];

/// What happened in the demo's history.
enum DemoEvent {
    Review,
    Report(usize, &'static Step),
}

/// The account that reports for an agency in the demo history.
fn reporter(agency: &str) -> (&'static str, &'static str) {
    match agency {
        DONG_KINH => ("quantri.dongkinh", "Nông Văn Đức"),
        TU_PHAP => ("lanhdao.tuphap", "Vi Thị Dung"),
        _ => ("quantri.tinh", "Hà Thị Giang"),
    }
}

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// The day the demo's story is told from: the day after its review session. The
/// programme's dates are written for this day and moved to [`seed`]'s today.
pub fn story_day() -> NaiveDate {
    date((2025, 7, 5))
}

/// Seeds the programme and the news, once, into a database that has the demo agencies;
/// the programme's dates follow today, so its tasks stay as near their deadlines as
/// the story has them (the news keep their own dates).
pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let today = motcua_domain::calendar::to_vn_local(&motcua_app::now()).date();
    seed_as_of(store, today).await
}

/// [`seed`] as if today were `today` ([`story_day`] keeps the written dates).
pub async fn seed_as_of(store: &Store, today: NaiveDate) -> anyhow::Result<()> {
    let shift = (today - story_day()).max(chrono::Duration::zero());
    if !store.programmes().await?.is_empty() {
        return Ok(());
    }
    let agencies = store.agencies(None).await?;
    let code = |name: &str| -> anyhow::Result<String> {
        agencies
            .iter()
            .find(|a| a.name == name && a.valid_to.is_none())
            .map(|a| a.code.as_str().to_owned())
            .with_context(|| format!("demo agency {name} missing"))
    };
    let province = code(UBND_TINH)?;
    let mut groups = Vec::new();
    for g in &GROUPS {
        let mut tasks = Vec::new();
        for t in &g.tasks {
            tasks.push(NewTask {
                title: t.title.into(),
                description: t.description.into(),
                agency_code: code(t.agency)?,
                person: t.person.into(),
                person_email: t.email.map(Into::into),
                cooperators: t
                    .cooperators
                    .iter()
                    .map(|c| code(c))
                    .collect::<anyhow::Result<_>>()?,
                deadline: date(t.deadline) + shift,
            });
        }
        groups.push(NewTaskGroup {
            title: g.title.into(),
            description: g.description.into(),
            tasks,
        });
    }
    let programme = NewProgramme {
        title: PROGRAMME_TITLE.into(),
        description: "Sáu nhóm với 24 nhiệm vụ cụ thể, mỗi nhiệm vụ có người và cơ quan chịu trách nhiệm, \
            theo kết luận của hội nghị trực tuyến toàn quốc tháng 6/2025 về chuẩn bị vận hành mô hình hai cấp."
            .into(),
        agency_code: province.clone(),
        groups,
    };
    let start = vn(6, 5, 8) + shift;
    let audit = |action: &str, subject: String, at| {
        AuditEntry::system(at, action, subject, serde_json::json!({ "demo": true }))
    };
    let id = store
        .create_programme(
            &programme,
            start,
            "system",
            audit("programme.created", "programme:demo".into(), start),
        )
        .await?;
    let tasks = store.programme_tasks(id).await?;
    if tasks.len() != 24 {
        bail!("the demo programme has {} tasks, not 24", tasks.len());
    }
    // Replay the reports and the review in time order, as they would have happened.
    let mut events: Vec<(DateTime<Utc>, DemoEvent)> =
        vec![(demo_review_at() + shift, DemoEvent::Review)];
    for (i, t) in GROUPS.iter().flat_map(|g| g.tasks.iter()).enumerate() {
        for step in t.steps {
            let ((m, d, h), ..) = *step;
            events.push((vn(m, d, h) + shift, DemoEvent::Report(i, step)));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    let demo_tasks: Vec<&DemoTask> = GROUPS.iter().flat_map(|g| g.tasks.iter()).collect();
    for (at, event) in events {
        match event {
            DemoEvent::Review => {
                store
                    .record_review(
                        id,
                        at,
                        "quantri.tinh",
                        "Phiên rà soát sau ngày vận hành đầu tiên.",
                        audit("programme.reviewed", format!("programme:{id}"), at),
                    )
                    .await?;
            }
            DemoEvent::Report(i, &(_, status, progress, note, link)) => {
                let change = TaskChange {
                    status,
                    progress: Progress::new(progress)?,
                    note: note.into(),
                    links: link.map(|l| vec![l.to_owned()]).unwrap_or_default(),
                };
                let (actor, actor_name) = reporter(demo_tasks[i].agency);
                let mut entry = audit(
                    "programme.task_updated",
                    format!("task:{}", tasks[i].id),
                    at,
                );
                entry.actor = actor.into();
                store
                    .update_task(tasks[i].id, &change, at, actor, actor_name, entry)
                    .await?;
            }
        }
    }
    for a in &ARTICLES {
        let draft = ArticleDraft::new(
            "",
            a.title,
            a.summary,
            a.body,
            &code(a.agency)?,
            date(a.published_on),
            a.featured,
        )?;
        let at = vn(a.published_on.1, a.published_on.2, 8);
        store
            .create_article(
                &draft,
                at,
                "system",
                audit("news.created", format!("article:{}", draft.slug), at),
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::programme::check_status_progress;

    #[test]
    fn the_demo_programme_has_6_groups_of_24_consistent_tasks() {
        let tasks: Vec<&DemoTask> = GROUPS.iter().flat_map(|g| g.tasks.iter()).collect();
        assert_eq!((GROUPS.len(), tasks.len()), (6, 24));
        for t in &tasks {
            let mut at = None;
            for &((m, d, h), status, progress, _, link) in t.steps {
                check_status_progress(status, Progress::new(progress).unwrap()).unwrap();
                assert!(at < Some(vn(m, d, h)), "{}: steps in time order", t.title);
                at = Some(vn(m, d, h));
                if let Some(link) = link {
                    motcua_domain::programme::check_link(link).unwrap();
                }
            }
        }
        let done = tasks
            .iter()
            .filter(|t| t.steps.last().is_some_and(|s| s.1 == Done))
            .count();
        assert_eq!(done, 13);
        assert_eq!(ARTICLES.iter().filter(|a| a.featured).count(), 2);
    }
}
