export default definePageConfig({ navigationBarTitleText: '借贷健康度' });
