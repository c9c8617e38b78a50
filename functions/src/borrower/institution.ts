/**
 * The licensed institution that funds every loan (信息披露). One place, shown on every product
 * page and in every contract. Demo values: replace with the partner's real registration data
 * before going live (they are public registry facts, not secrets).
 */
export const LICENSED_INSTITUTION = {
  name: '示范消费金融股份有限公司',
  name_en: 'Demo Consumer Finance Co., Ltd. (licensed partner, demo data)',
  licence_number: 'L0000H000000001',
  regulator: '国家金融监督管理总局 (National Financial Regulatory Administration)',
  complaint_channel: {
    phone: '400-000-0000',
    regulator_hotline: '12378',
    url: 'https://example.com/fenqi/complaints',
    in_app: '我的 → 帮助与投诉',
  },
} as const;

export function disclosureBlock() {
  return {
    institution: LICENSED_INSTITUTION.name,
    institution_en: LICENSED_INSTITUTION.name_en,
    licence_number: LICENSED_INSTITUTION.licence_number,
    regulator: LICENSED_INSTITUTION.regulator,
    complaint_channel: LICENSED_INSTITUTION.complaint_channel,
  };
}
