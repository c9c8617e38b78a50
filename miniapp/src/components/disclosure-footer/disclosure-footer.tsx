import { Text, View } from '@tarojs/components';
import './disclosure-footer.scss';

export interface DisclosureFooterProps {
  /** Licensed institution that funds the loans (持牌机构). */
  institution?: string;
  licenceNumber?: string;
  complaintChannel?: string;
}

/** 信息披露: the licensed institution, its licence number and the complaint channel. */
export function DisclosureFooter(props: DisclosureFooterProps) {
  const { institution, licenceNumber, complaintChannel } = props;
  return (
    <View className="fq-disclosure" id="disclosure-footer">
      <Text className="fq-disclosure__title">信息披露</Text>
      <View className="fq-disclosure__row">
        <Text className="fq-disclosure__label">放款机构</Text>
        <Text className="fq-disclosure__value">{institution || '加载中…'}</Text>
      </View>
      <View className="fq-disclosure__row">
        <Text className="fq-disclosure__label">许可证号</Text>
        <Text className="fq-disclosure__value">{licenceNumber || '加载中…'}</Text>
      </View>
      <View className="fq-disclosure__row">
        <Text className="fq-disclosure__label">投诉渠道</Text>
        <Text className="fq-disclosure__value">{complaintChannel || '加载中…'}</Text>
      </View>
      <Text className="fq-disclosure__note">贷款额度、利率以审批结果为准。理性借贷，按时还款。</Text>
    </View>
  );
}
