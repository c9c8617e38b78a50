import { Text, View } from '@tarojs/components';
import './index.scss';

export default function Index() {
  return (
    <View className="page-home">
      <Text>分期</Text>
    </View>
  );
}
