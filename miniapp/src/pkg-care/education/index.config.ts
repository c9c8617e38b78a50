export default definePageConfig({ navigationBarTitleText: '风险教育' });
