export default definePageConfig({ navigationBarTitleText: '好味外卖（演示）' });
