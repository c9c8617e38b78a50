export default definePageConfig({ navigationBarTitleText: '美味外卖（演示）' });
