/**
 * The 22 non-essential data authorisations a user can switch off (数据最小化). Each states its
 * purpose. All default to off (opt-in); essential data (identity, bank card, contract) is not in
 * this list because the loan cannot exist without it.
 */
export interface DataAuthorization {
  readonly key: string;
  readonly nameZh: string;
  readonly purposeZh: string;
  readonly purpose: string;
}

const a = (key: string, nameZh: string, purposeZh: string, purpose: string): DataAuthorization => ({
  key,
  nameZh,
  purposeZh,
  purpose,
});

export const DATA_AUTHORIZATIONS: readonly DataAuthorization[] = [
  a(
    'contacts',
    '通讯录',
    '仅用于填写紧急联系人时选择号码,不上传整个通讯录',
    'pick an emergency contact; the address book is never uploaded',
  ),
  a('location', '地理位置', '识别异常登录和盗用风险', 'detect unusual logins and account takeover'),
  a('payment_flow', '微信支付流水', '评估还款能力与授信额度', 'assess repayment ability and the credit line'),
  a('social_activity', '社交活跃度', '作为授信评估的辅助指标', 'secondary indicator in credit evaluation'),
  a('consumption_records', '消费记录', '评估消费稳定性', 'assess spending stability'),
  a('device_info', '设备信息', '识别多设备异常登录', 'detect logins from many devices'),
  a(
    'wallet_balance',
    '零钱通余额',
    '智能还款:建议用闲置余额提前还款',
    'smart repayment: suggest prepaying from idle balance',
  ),
  a('payroll_deposit', '工资入账信息', '智能还款:匹配发薪日扣款', 'smart repayment: deduct on payday'),
  a(
    'credit_bureau_query',
    '征信查询',
    '查询多头借贷情况,计算借贷健康度',
    'check other lenders for the health score',
  ),
  a(
    'income_proof',
    '收入证明',
    '申请临时额度时证明还款能力',
    'prove repayment ability for a temporary increase',
  ),
  a(
    'asset_proof',
    '资产证明',
    '申请临时额度时证明还款能力',
    'prove repayment ability for a temporary increase',
  ),
  a('employer_info', '工作单位信息', '评估收入稳定性', 'assess income stability'),
  a('education_info', '学历信息', '教育分期资格核验', 'education installment eligibility'),
  a(
    'face_recognition',
    '人脸识别',
    '大额或异常借款时的二次验证',
    'second verification for large or unusual borrowing',
  ),
  a('voiceprint', '声纹识别', '多因素验证的备选方式', 'alternative factor for multi-factor verification'),
  a(
    'mini_program_orders',
    '小程序订单信息',
    '场景分期时确认订单与用途',
    'confirm the order and purpose for scene installments',
  ),
  a('marketing_messages', '营销消息', '推送优惠利率和活动信息', 'send rate offers and promotions'),
  a(
    'repayment_reminders_sms',
    '短信还款提醒',
    '每期最多3次还款提醒',
    'up to 3 repayment reminders per installment',
  ),
  a('personalized_pricing', '个性化定价', '根据信用表现调整利率', 'adjust the rate to credit performance'),
  a(
    'third_party_data',
    '第三方数据',
    '经授权的合作机构反欺诈数据',
    'anti-fraud data from authorised partners',
  ),
  a('clipboard', '剪贴板', '自动识别复制的银行卡号', 'recognise a copied bank card number'),
  a('photo_album', '相册', '上传收入或资产证明照片', 'upload photos of income or asset proof'),
];

export const DATA_AUTHORIZATION_KEYS: readonly string[] = DATA_AUTHORIZATIONS.map((x) => x.key);

export function findAuthorization(key: string): DataAuthorization | undefined {
  return DATA_AUTHORIZATIONS.find((x) => x.key === key);
}
