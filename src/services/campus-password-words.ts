// Words people on a Chinese campus pick as passwords that the international common-password list misses: pinyin,
// the institution's own vocabulary, and numeric "love" codes. Matched case-insensitively, also with digits or
// symbols appended (src/services/password-rules.ts); a deployment adds its own words with PASSWORD_BLOCKLIST_FILE.
export const campusPasswordWords: readonly string[] = [
  // pinyin
  'woaini', 'woaini1314', 'woaini520', 'wodemima', 'mima', 'mimamima', 'zhongguo', 'zhonghua', 'beijing', 'shanghai',
  'guangzhou', 'shenzhen', 'nanjing', 'wuhan', 'chengdu', 'hangzhou', 'xian', 'tianjin', 'xuesheng', 'xueshenghao',
  'laoshi', 'jiaoshi', 'jiaozhigong', 'daxue', 'xuexiao', 'xiaoyuan', 'xiaoyuanka', 'yikatong', 'jiaowu', 'tushuguan',
  'tongyirenzheng', 'renzheng', 'xinxihua', 'wangluo', 'woshishui', 'nihao', 'nihao123', 'tiantian', 'kuaile',
  'xingfu', 'aiqing', 'baobei', 'laopo', 'laogong', 'qweasd', 'qazwsx', 'zxcasd',
  // campus and system vocabulary
  'campus', 'student', 'students', 'teacher', 'staff', 'faculty', 'university', 'college', 'school', 'academy',
  'library', 'welcome', 'changeme', 'default', 'initial', 'password', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'admin',
  'administrator', 'root', 'guest', 'user', 'login', 'signin', 'unified', 'portal', 'wifi', 'email',
  // numeric codes (love and luck)
  '5201314', '1314520', '5211314', '520520', '1314', '147258', '147258369', '159357', '789456', '789456123',
  '123qwe', 'qwe123', 'a123456', 'aa123456', 'abc123456', 'qq123456', 'woaini1314520', '88888888', '66666666',
];
